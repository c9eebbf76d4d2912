//! Inbound Bot Framework JWT validation: RS256 signed by a key from the
//! OpenID metadata's `jwks_uri`, issuer, audience = app id, `exp`/`nbf`
//! with five minutes of leeway. Keys are cached and fetched again when stale
//! or when a token names an unknown `kid`. Whatever the cache holds (fresh,
//! stale, nothing, or the endpoint failing), fetches start at most once per
//! `min_refresh` and one at a time, so forged tokens cannot make us hammer
//! the endpoint; no lock is held across the fetch, and a request with a
//! cached key never waits for one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use jsonwebtoken::{errors::ErrorKind, Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// How long fetched signing keys are trusted before they are fetched again.
pub const KEY_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Minimum time between fetches caused by unknown key ids.
pub const MIN_REFRESH: Duration = Duration::from_secs(60);
/// Clock skew allowed on `exp` and `nbf`.
pub const LEEWAY_SECS: u64 = 5 * 60;

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization: Bearer` header.
    #[error("missing Authorization: Bearer header")]
    Missing,
    /// The token is not a valid RS256 JWT signed by a known key.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// A valid token whose claims do not allow this request.
    #[error("token not valid for this request: {0}")]
    Forbidden(String),
    /// The signing keys could not be fetched.
    #[error("signing keys unavailable: {0}")]
    KeysUnavailable(String),
}

impl AuthError {
    /// 401 for missing or invalid tokens, 403 for valid tokens with wrong
    /// claims, 503 when keys cannot be fetched.
    pub fn status(&self) -> StatusCode {
        match self {
            AuthError::Missing | AuthError::Invalid(_) => StatusCode::UNAUTHORIZED,
            AuthError::Forbidden(_) => StatusCode::FORBIDDEN,
            AuthError::KeysUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

/// What a verified token says.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The `serviceUrl` claim.
    pub service_url: Option<String>,
    /// Channels the signing key is endorsed for (empty: no restriction).
    pub endorsements: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    #[serde(rename = "serviceUrl")]
    service_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    jwks_uri: String,
}

#[derive(Debug, Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: Option<String>,
    n: Option<String>,
    e: Option<String>,
    #[serde(default)]
    endorsements: Vec<String>,
}

#[derive(Clone)]
struct Key {
    key: DecodingKey,
    endorsements: Vec<String>,
}

struct KeySet {
    keys: HashMap<String, Key>,
    fetched: Instant,
}

/// Validates inbound tokens.
pub struct JwtValidator {
    http: reqwest::Client,
    metadata_url: String,
    validation: Validation,
    cache: RwLock<Option<Arc<KeySet>>>,
    refresh: Mutex<Refresh>,
    /// Bumped when a fetch ends, for requests waiting on it.
    fetched: tokio::sync::watch::Sender<u64>,
    min_refresh: Duration,
}

/// When keys were last asked for, and whether a fetch is running.
#[derive(Default)]
struct Refresh {
    started: Option<Instant>,
    running: bool,
}

/// What a request may do about a missing or stale key.
enum Claim<'a> {
    /// Fetch now; the guard ends the fetch even if the request is dropped.
    Fetch(FetchGuard<'a>),
    /// Another request is fetching.
    Running,
    /// The last fetch started less than `min_refresh` ago.
    TooSoon,
}

/// Marks the running fetch as ended when dropped.
struct FetchGuard<'a> {
    refresh: &'a Mutex<Refresh>,
    fetched: &'a tokio::sync::watch::Sender<u64>,
}

impl Drop for FetchGuard<'_> {
    fn drop(&mut self) {
        self.refresh
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .running = false;
        self.fetched.send_modify(|n| *n = n.wrapping_add(1));
    }
}

impl std::fmt::Debug for JwtValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtValidator")
            .field("metadata_url", &self.metadata_url)
            .finish_non_exhaustive()
    }
}

impl JwtValidator {
    /// A validator for tokens issued by `issuer` for `audience`.
    pub fn new(
        http: reqwest::Client,
        metadata_url: &str,
        issuer: &str,
        audience: &str,
        min_refresh: Duration,
    ) -> JwtValidator {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        JwtValidator {
            http,
            metadata_url: metadata_url.to_owned(),
            validation,
            cache: RwLock::new(None),
            refresh: Mutex::default(),
            fetched: tokio::sync::watch::Sender::new(0),
            min_refresh,
        }
    }

    /// Checks the `Authorization` header value.
    pub async fn validate(&self, authorization: Option<&str>) -> Result<Verified, AuthError> {
        let token = authorization
            .and_then(|h| {
                let (scheme, token) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing)?;
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| AuthError::Invalid(e.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Invalid(format!(
                "algorithm {:?}, not RS256",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| AuthError::Invalid("no key id (kid) in the header".into()))?;
        let key = self.key(&kid).await?;
        let data = jsonwebtoken::decode::<Claims>(token, &key.key, &self.validation).map_err(
            |e| match e.kind() {
                ErrorKind::InvalidAudience => AuthError::Forbidden("wrong audience".into()),
                ErrorKind::InvalidIssuer => AuthError::Forbidden("wrong issuer".into()),
                ErrorKind::ExpiredSignature => AuthError::Invalid("expired".into()),
                ErrorKind::ImmatureSignature => AuthError::Invalid("not valid yet (nbf)".into()),
                _ => AuthError::Invalid(e.to_string()),
            },
        )?;
        Ok(Verified {
            service_url: data.claims.service_url,
            endorsements: key.endorsements,
        })
    }

    fn cached(&self, kid: &str) -> (Option<Key>, bool) {
        let guard = self.cache.read().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(set) => (set.keys.get(kid).cloned(), set.fetched.elapsed() < KEY_TTL),
            None => (None, false),
        }
    }

    async fn key(&self, kid: &str) -> Result<Key, AuthError> {
        let (found, fresh) = self.cached(kid);
        if let (Some(key), true) = (&found, fresh) {
            return Ok(key.clone());
        }
        // Subscribed before claiming, so a fetch ending in between is seen.
        let mut ended = self.fetched.subscribe();
        let mut failure = None;
        match self.claim() {
            Claim::Fetch(guard) => {
                match self.fetch().await {
                    Ok(set) => {
                        *self.cache.write().unwrap_or_else(|p| p.into_inner()) =
                            Some(Arc::new(set));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot fetch Bot Framework signing keys");
                        failure = Some(e);
                    }
                }
                drop(guard);
            }
            // A stale key is good enough while the fetch runs; without one
            // there is nothing to do but wait for it (no lock is held).
            Claim::Running if found.is_none() => {
                let _ = ended.changed().await;
            }
            Claim::Running | Claim::TooSoon => {}
        }
        // Stale keys are better than none while the endpoint is down.
        match self.cached(kid) {
            (Some(key), _) => Ok(key),
            (None, _) => found.ok_or_else(|| self.missing(kid, failure)),
        }
    }

    /// Starts a fetch unless one runs or one started within `min_refresh`.
    fn claim(&self) -> Claim<'_> {
        let mut refresh = self.refresh.lock().unwrap_or_else(|p| p.into_inner());
        if refresh.running {
            return Claim::Running;
        }
        if refresh
            .started
            .is_some_and(|t| t.elapsed() < self.min_refresh)
        {
            return Claim::TooSoon;
        }
        refresh.started = Some(Instant::now());
        refresh.running = true;
        Claim::Fetch(FetchGuard {
            refresh: &self.refresh,
            fetched: &self.fetched,
        })
    }

    /// The error for a key id neither the cache nor a fetch has.
    fn missing(&self, kid: &str, failure: Option<String>) -> AuthError {
        let have_keys = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        match failure {
            Some(e) if !have_keys => AuthError::KeysUnavailable(e),
            None if !have_keys => AuthError::KeysUnavailable("signing keys not fetched yet".into()),
            _ => AuthError::Invalid(format!("unknown key id {kid:?}")),
        }
    }

    async fn fetch(&self) -> Result<KeySet, String> {
        let metadata: Metadata = get_json(&self.http, &self.metadata_url).await?;
        let jwks: Jwks = get_json(&self.http, &metadata.jwks_uri).await?;
        let mut keys = HashMap::new();
        for jwk in jwks.keys {
            let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else {
                continue;
            };
            if jwk.kty.as_deref().is_some_and(|k| k != "RSA") {
                continue;
            }
            match DecodingKey::from_rsa_components(&n, &e) {
                Ok(key) => {
                    keys.insert(
                        kid,
                        Key {
                            key,
                            endorsements: jwk.endorsements,
                        },
                    );
                }
                Err(err) => tracing::warn!(%kid, error = %err, "skipping unusable signing key"),
            }
        }
        tracing::info!(keys = keys.len(), "fetched Bot Framework signing keys");
        Ok(KeySet {
            keys,
            fetched: Instant::now(),
        })
    }
}

async fn get_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &str,
) -> Result<T, String> {
    let response = http
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("GET {url}: {e}"))?;
    response
        .json::<T>()
        .await
        .map_err(|e| format!("GET {url}: {e}"))
}
