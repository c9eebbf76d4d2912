//! Prometheus metrics of the `serve` process, exposed on `GET /metrics`.
//!
//! One registry per [`Metrics`] value (not the process-global default), so
//! tests can run several servers side by side and read their own counts.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

/// Counters and histograms of the HTTP server and the transports.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    signature_failures: IntCounterVec,
    interactions: IntCounterVec,
    intents: IntCounterVec,
    followups: IntCounterVec,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered.
    ///
    /// # Panics
    ///
    /// Never in practice: the names and labels below are static and valid,
    /// and each is registered once.
    pub fn new() -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "supportbot_http_requests_total",
                "HTTP requests by route and status code.",
            ),
            &["route", "status"],
        )
        .expect("static metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "supportbot_http_request_duration_seconds",
                "HTTP request latency by route.",
            )
            .buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                1.0, 2.5, 5.0,
            ]),
            &["route"],
        )
        .expect("static metric");
        let signature_failures = IntCounterVec::new(
            Opts::new(
                "supportbot_discord_signature_failures_total",
                "Discord interaction requests refused with 401, by reason.",
            ),
            &["reason"],
        )
        .expect("static metric");
        let interactions = IntCounterVec::new(
            Opts::new(
                "supportbot_discord_interactions_total",
                "Verified Discord interactions by kind and how they were answered.",
            ),
            &["kind", "response"],
        )
        .expect("static metric");
        let intents = IntCounterVec::new(
            Opts::new(
                "supportbot_intents_total",
                "Replies by platform, recognised intent (or none) and reply locale.",
            ),
            &["platform", "intent", "locale"],
        )
        .expect("static metric");
        let followups = IntCounterVec::new(
            Opts::new(
                "supportbot_discord_followups_total",
                "Follow-up messages sent through the interaction webhook, by outcome.",
            ),
            &["outcome"],
        )
        .expect("static metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(signature_failures.clone()),
            Box::new(interactions.clone()),
            Box::new(intents.clone()),
            Box::new(followups.clone()),
        ] {
            registry.register(c).expect("metric registered once");
        }
        Metrics {
            registry,
            requests,
            latency,
            signature_failures,
            interactions,
            intents,
            followups,
        }
    }

    /// Counts one finished HTTP request.
    pub fn request(&self, route: &str, status: u16, seconds: f64) {
        self.requests
            .with_label_values(&[route, &status.to_string()])
            .inc();
        self.latency.with_label_values(&[route]).observe(seconds);
    }

    /// Counts a refused signature.
    pub fn signature_failure(&self, reason: &str) {
        self.signature_failures.with_label_values(&[reason]).inc();
    }

    /// Counts a verified interaction.
    pub fn interaction(&self, kind: &str, response: &str) {
        self.interactions.with_label_values(&[kind, response]).inc();
    }

    /// Counts a reply by intent and locale.
    pub fn intent(&self, platform: &str, intent: Option<&str>, locale: &str) {
        self.intents
            .with_label_values(&[platform, intent.unwrap_or("none"), locale])
            .inc();
    }

    /// Counts a follow-up attempt.
    pub fn followup(&self, outcome: &str) {
        self.followups.with_label_values(&[outcome]).inc();
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut buf) {
            tracing::error!(error = %e, "cannot encode metrics");
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_up_in_the_text_format() {
        let m = Metrics::new();
        m.request("/healthz", 200, 0.001);
        m.signature_failure("missing");
        m.intent("discord", Some("cancel"), "nb-NO");
        let text = m.render();
        assert!(text.contains(r#"supportbot_http_requests_total{route="/healthz",status="200"} 1"#));
        assert!(text.contains(r#"supportbot_discord_signature_failures_total{reason="missing"} 1"#));
        assert!(text.contains(
            r#"supportbot_intents_total{intent="cancel",locale="nb-NO",platform="discord"} 1"#
        ));
        assert!(text.contains("supportbot_http_request_duration_seconds_bucket"));
    }
}
