//! Direct Line tokens: `conversation.visitor.expiry.signature`, the
//! signature an HMAC-SHA256 over the first three parts with the web token
//! key. A token names one conversation and one anonymous visitor and is
//! good until its expiry; nothing about it is stored, so any process with
//! the same key accepts it.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

/// How long a token is good for (Direct Line's own tokens: 30 minutes);
/// clients refresh before.
pub const TOKEN_TTL_SECS: i64 = 1800;

/// What a valid token vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The conversation it opens.
    pub conversation: String,
    /// The anonymous visitor (random, per token chain).
    pub visitor: String,
    /// Unix seconds after which it is refused.
    pub expires: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization: Bearer` header or `t` parameter.
    #[error("no token")]
    Missing,
    /// Not our format or a wrong signature.
    #[error("token is malformed or its signature does not match")]
    Invalid,
    /// Past its expiry.
    #[error("token expired")]
    Expired,
    /// Valid, but for another conversation.
    #[error("token is for another conversation")]
    WrongConversation,
}

/// Signs and checks tokens with one key.
#[derive(Clone)]
pub struct Tokens {
    key: std::sync::Arc<SecretSlice<u8>>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tokens(..)")
    }
}

impl Tokens {
    /// Tokens signed with `key`.
    pub fn new(key: SecretSlice<u8>) -> Tokens {
        Tokens {
            key: std::sync::Arc::new(key),
        }
    }

    /// A token for `grant`.
    pub fn issue(&self, grant: &Grant) -> String {
        let body = format!("{}.{}.{}", grant.conversation, grant.visitor, grant.expires);
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.mac(&body));
        format!("{body}.{sig}")
    }

    /// The grant of `token` at unix time `now`.
    pub fn check(&self, token: &str, now: i64) -> Result<Grant, TokenError> {
        let (body, sig) = token.trim().rsplit_once('.').ok_or(TokenError::Invalid)?;
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sig)
            .map_err(|_| TokenError::Invalid)?;
        let mut mac = self.hmac();
        mac.update(body.as_bytes());
        mac.verify_slice(&sig).map_err(|_| TokenError::Invalid)?;
        let mut parts = body.split('.');
        let (Some(conversation), Some(visitor), Some(expires), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Invalid);
        };
        let expires: i64 = expires.parse().map_err(|_| TokenError::Invalid)?;
        if now >= expires {
            return Err(TokenError::Expired);
        }
        Ok(Grant {
            conversation: conversation.to_owned(),
            visitor: visitor.to_owned(),
            expires,
        })
    }

    /// [`Tokens::check`], and the token must be for `conversation`.
    pub fn check_for(
        &self,
        token: &str,
        conversation: &str,
        now: i64,
    ) -> Result<Grant, TokenError> {
        let grant = self.check(token, now)?;
        if grant.conversation != conversation {
            return Err(TokenError::WrongConversation);
        }
        Ok(grant)
    }

    fn hmac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(self.key.expose_secret()).expect("HMAC takes any key")
    }

    fn mac(&self, body: &str) -> Vec<u8> {
        let mut mac = self.hmac();
        mac.update(body.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

/// A fresh random id: 16 bytes as 32 lowercase hex digits.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    hex::encode(bytes)
}

/// A new conversation and visitor, good for [`TOKEN_TTL_SECS`] from `now`.
pub fn fresh_grant(now: i64) -> Grant {
    Grant {
        conversation: random_id(),
        visitor: format!("v{}", &random_id()[..20]),
        expires: now + TOKEN_TTL_SECS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(key: &[u8]) -> Tokens {
        Tokens::new(SecretSlice::from(key.to_vec()))
    }

    #[test]
    fn issued_tokens_check_and_tampering_fails() {
        let t = tokens(b"k1");
        let grant = fresh_grant(1000);
        let token = t.issue(&grant);
        assert_eq!(t.check(&token, 1001), Ok(grant.clone()));
        assert_eq!(
            t.check_for(&token, &grant.conversation, 1001),
            Ok(grant.clone())
        );
        assert_eq!(
            t.check_for(&token, "other", 1001),
            Err(TokenError::WrongConversation)
        );
        assert_eq!(
            t.check(&token, 1000 + TOKEN_TTL_SECS),
            Err(TokenError::Expired)
        );
        assert_eq!(tokens(b"k2").check(&token, 1001), Err(TokenError::Invalid));
        // Moving the expiry forward breaks the signature.
        let forged = token.replacen(&format!(".{}.", grant.expires), ".99999999999.", 1);
        assert_eq!(t.check(&forged, 1001), Err(TokenError::Invalid));
        assert_eq!(t.check("garbage", 1001), Err(TokenError::Invalid));
    }
}
