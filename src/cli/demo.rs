//! The demo account that `admin seed-demo` and the chat's `/demo` create,
//! shared by both.

use chrono::{DateTime, Utc};

use crate::lifecycle::Seed;

/// The demo tenant: a monthly and a yearly subscription, one over the
/// online-cancellation seat limit, one partner-billed.
pub fn demo_seed(now: DateTime<Utc>) -> Seed {
    let started = (now - chrono::Days::new(40)).date_naive();
    let yearly = (now - chrono::Days::new(100)).date_naive();
    let text = format!(
        r#"
[[account]]
id = "demo"
name = "Demo AS"
country = "NO"
preferred_locale = "nb-NO"

[[subscription]]
id = "SUB-1"
account = "demo"
product = "Microsoft 365 Business Standard"
seats = 10
unit_price_minor = 14990
currency = "NOK"
period = "monthly"
started = "{started}"
auto_renew = true

[[subscription]]
id = "SUB-2"
account = "demo"
product = "Power BI Pro"
seats = 3
unit_price_minor = 129900
currency = "NOK"
period = "yearly"
started = "{yearly}"

[[subscription]]
id = "SUB-3"
account = "demo"
product = "Microsoft 365 E3"
seats = 40
unit_price_minor = 39900
currency = "NOK"
period = "monthly"
started = "{started}"
auto_renew = true

[[subscription]]
id = "SUB-4"
account = "demo"
product = "Visio Plan 2"
seats = 2
unit_price_minor = 17990
currency = "NOK"
period = "monthly"
started = "{started}"
partner = "Contoso Partner AS"
"#
    );
    Seed::from_toml(&text).unwrap_or_default()
}
