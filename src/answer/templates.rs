//! The template engine (minijinja) with our locale-aware filters, and the
//! variables every answer template may use.

use chrono::NaiveDate;
use minijinja::value::Kwargs;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior, Value};
use serde::Serialize;

use super::format;
use crate::locale::LocaleConfig;

/// The variables an answer template can use. Templates are rendered in
/// strict mode, so a template naming anything else fails validation at load.
#[derive(Debug, Clone, Serialize)]
pub struct AnswerVars {
    /// Product named in the message, if any.
    pub product: Option<String>,
    /// Subscription id named in the message, if any.
    pub subscription_id: Option<String>,
    /// Today's date (ISO 8601); use `{{ today | date }}`.
    pub today: String,
    /// Days a cancelled subscription stays disabled before deletion.
    pub disabled_days: u32,
    /// Date a subscription cancelled today would be deleted (ISO 8601).
    pub disabled_until: String,
    /// Days after cancellation by which data is deleted at the latest.
    pub retention_days: u32,
    /// Seat count above which cancellation needs support.
    pub seat_limit: u32,
    /// Choices offered when a message matched several intents.
    pub choices: Vec<Choice>,
    /// Facts of a subscription-lifecycle action, for the `action-*` answers.
    pub action: Option<ActionVars>,
    /// Facts of a handoff to a person, for the `handoff-*` answers.
    pub handoff: Option<HandoffVars>,
}

/// What a `handoff-*` answer talks about.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HandoffVars {
    /// Ticket id (`H-7`).
    pub ticket: String,
    /// When people answer, as configured (free text, may be empty).
    pub hours: String,
    /// Hours after which the bot answers again if nobody took over.
    pub timeout_hours: u32,
    /// For an agent's command (`handoff-agent`): `claimed`, `resolved`,
    /// `released`, `taken` (someone else has it), `yours` (claimed by you
    /// already), `closed`, `unknown` (no such ticket), `refused` (not an
    /// agent), `busy` (try again).
    pub outcome: String,
    /// Who has or finished the ticket (`discord:123`), when it matters.
    pub agent: String,
}

/// What a lifecycle answer talks about. Dates are ISO 8601 (render them with
/// `| date`); money is minor units plus currency and exponent (render with
/// `| money(currency, exponent)`), so every figure is localized by the
/// template, not here.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ActionVars {
    /// `cancel`, `refund`, `reactivate`, `close_account`, `status`, `export`.
    pub kind: String,
    /// Account id.
    pub account: String,
    /// Account display name.
    pub account_name: String,
    /// Subscription id, when the action targets one.
    pub subscription: String,
    /// Product name of that subscription.
    pub product: String,
    /// When the change takes effect.
    pub effective: String,
    /// When data is deleted (cancel, close), or empty.
    pub delete_at: String,
    /// True when a prorated credit is involved.
    pub has_credit: bool,
    /// Credit amount in minor units.
    pub credit_minor: i64,
    /// Credit currency (ISO 4217).
    pub currency: String,
    /// Minor-unit digits of the currency.
    pub exponent: u32,
    /// Unused days the credit covers.
    pub unused_days: i64,
    /// New term after a reactivation.
    pub term_start: String,
    /// End of that term.
    pub term_end: String,
    /// True when a reactivation starts a new, billed term.
    pub new_term: bool,
    /// Subscriptions cancelled or deleted by closing the account.
    pub affected: Vec<String>,
    /// Confirmation token of a proposal.
    pub token: String,
    /// Until when the proposal can be confirmed (ISO 8601 date and time, UTC).
    pub expires: String,
    /// True when the account id must be typed back to confirm.
    pub needs_typed_account: bool,
    /// Why an action was refused, in English (the lifecycle core's message):
    /// the fallback for a locale whose template has no sentence for
    /// `refusal.kind`.
    pub reason: String,
    /// The facts of a refusal, for templates that word it themselves.
    pub refusal: RefusalVars,
    /// Subscriptions of the account (status).
    pub subscriptions: Vec<SubscriptionVars>,
}

/// Why an action was refused, as facts a template can word in its language.
/// Every field is always present (empty when it does not apply), so strict
/// templates can branch on `kind` alone.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RefusalVars {
    /// One of [`REFUSAL_KINDS`].
    pub kind: String,
    /// The account concerned.
    pub account: String,
    /// The subscription concerned.
    pub subscription: String,
    /// The subscription's state (`active`, `expired`, `disabled`, `deleted`).
    pub state: String,
    /// The attempted action (`cancel`, `refund`, `reactivate`).
    pub attempted: String,
    /// The date of the refusal's fact (ISO 8601): trial end, deletion, term
    /// start, expiry or use of a confirmation, closing of the account.
    pub date: String,
    /// The time of day of `date` (`HH:MM UTC`) when it is an instant:
    /// confirmation expiry or use.
    pub time: String,
    /// When an earlier credit was issued (ISO 8601 date), for
    /// `refund_already_given`.
    pub issued_at: String,
    /// The partner that bills the subscription (empty when unknown).
    pub partner: String,
    /// Seats of the subscription (`seat_limit`).
    pub seats: u32,
    /// The policy's seat limit or refund window in days.
    pub limit: u32,
    /// Subscriptions or accounts the refusal lists.
    pub items: Vec<String>,
}

/// Every `RefusalVars::kind`. Templates are checked at load against a sample
/// of each, so a sentence that names an unknown variable fails at start-up.
pub const REFUSAL_KINDS: &[&str] = &[
    "invalid_input",
    "unverified",
    "direct_message",
    "not_admin",
    "scope_not_bound",
    "evidence_mismatch",
    "account_not_found",
    "subscription_not_found",
    "account_closed",
    "wrong_state",
    "trial_nothing_to_cancel",
    "partner_billed",
    "seat_limit",
    "reactivation_window_closed",
    "refund_trial",
    "refund_outside_window",
    "refund_nothing_unused",
    "refund_already_given",
    "refund_not_in_term",
    "no_account_in_scope",
    "subscription_unknown",
    "subscription_ambiguous",
    "close_blocked",
    "token_malformed",
    "token_unknown",
    "token_expired",
    "token_used",
    "token_dismissed",
    "token_foreign",
    "typed_back_required",
    "typed_back_mismatch",
    "request_reused",
    "internal",
];

/// One subscription in a status answer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SubscriptionVars {
    /// Id.
    pub id: String,
    /// Product name.
    pub product: String,
    /// `active`, `expired`, `disabled`, `deleted`.
    pub state: String,
    /// Seats.
    pub seats: u32,
    /// End of the current term (ISO 8601).
    pub term_end: String,
}

/// One numbered choice.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// 1-based number the user can answer with.
    pub number: usize,
    /// Intent name.
    pub intent: String,
    /// Localized label (the title of the intent's answer).
    pub label: String,
}

impl AnswerVars {
    /// Variables for `today` with the default lifecycle policy figures.
    pub fn for_date(today: NaiveDate) -> AnswerVars {
        let disabled_days = 90;
        AnswerVars {
            product: None,
            subscription_id: None,
            today: today.to_string(),
            disabled_days,
            disabled_until: (today + chrono::Days::new(u64::from(disabled_days))).to_string(),
            retention_days: 180,
            seat_limit: 25,
            choices: Vec::new(),
            action: None,
            handoff: None,
        }
    }

    /// Sample values used to validate every template at load: every field
    /// set, so both branches of `{% if product %}` style tests are exercised
    /// by the `Some` side while strict mode still catches unknown names.
    pub fn sample() -> AnswerVars {
        let mut vars =
            AnswerVars::for_date(NaiveDate::from_ymd_opt(2027, 2, 24).unwrap_or_default());
        vars.product = Some("Microsoft 365 Business Standard".into());
        vars.subscription_id = Some("SUB-1".into());
        vars.choices = vec![
            Choice {
                number: 1,
                intent: "cancel".into(),
                label: "Cancel".into(),
            },
            Choice {
                number: 2,
                intent: "refund".into(),
                label: "Refund".into(),
            },
        ];
        vars.action = Some(ActionVars {
            kind: "cancel".into(),
            account: "contoso".into(),
            account_name: "Contoso AS".into(),
            subscription: "SUB-1".into(),
            product: "Microsoft 365 Business Standard".into(),
            effective: "2027-02-24".into(),
            delete_at: "2027-05-25".into(),
            has_credit: true,
            credit_minor: 12_345,
            currency: "NOK".into(),
            exponent: 2,
            unused_days: 12,
            term_start: "2027-02-24".into(),
            term_end: "2027-03-23".into(),
            new_term: false,
            affected: vec!["SUB-1".into(), "SUB-2".into()],
            token: "c1.sample".into(),
            expires: "2027-02-24T12:15:00Z".into(),
            needs_typed_account: true,
            reason: "sample reason".into(),
            refusal: RefusalVars::sample("seat_limit"),
            subscriptions: vec![SubscriptionVars {
                id: "SUB-1".into(),
                product: "Microsoft 365 Business Standard".into(),
                state: "active".into(),
                seats: 10,
                term_end: "2027-03-23".into(),
            }],
        });
        vars.handoff = Some(HandoffVars {
            ticket: "H-1".into(),
            hours: "Mon-Fri 08:00-16:00 CET".into(),
            timeout_hours: 24,
            outcome: "claimed".into(),
            agent: "discord:80351110224678912".into(),
        });
        vars
    }
}

impl RefusalVars {
    /// A refusal of `kind` with every fact filled in.
    pub fn sample(kind: &str) -> RefusalVars {
        RefusalVars {
            kind: kind.into(),
            account: "contoso".into(),
            subscription: "SUB-1".into(),
            state: "disabled".into(),
            attempted: "cancel".into(),
            date: "2027-02-24".into(),
            time: "12:15 UTC".into(),
            issued_at: "2027-02-20".into(),
            partner: "Fabrikam".into(),
            seats: 30,
            limit: 25,
            items: vec!["SUB-1".into(), "SUB-2".into()],
        }
    }
}

/// minijinja environment holding every template as `<locale>/<key>`.
#[derive(Debug)]
pub struct Renderer {
    env: Environment<'static>,
}

impl Renderer {
    /// A renderer with the filters `date`, `number`, `money` and `plural`.
    pub fn new(locales: LocaleConfig) -> Renderer {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Answers are markdown, not HTML.
        env.set_auto_escape_callback(|_| AutoEscape::None);
        let date_locales = locales.clone();
        env.add_filter(
            "date",
            move |state: &State, value: String| -> Result<String, Error> {
                let tag = locale_of(state);
                let date = parse_date(&value)?;
                let pattern = date_locales
                    .info(&tag)
                    .map_or("%Y-%m-%d".into(), |i| i.long_date_pattern(date));
                let formatted = format::format_date(date, &pattern, &tag);
                // A date that ends in its own period ("3. ožujka 2027.")
                // takes the place of the sentence's period after it.
                Ok(match formatted.ends_with('.') {
                    true => format!("{formatted}{DATE_PERIOD}"),
                    false => formatted,
                })
            },
        );
        env.add_filter("number", |state: &State, value: f64| -> String {
            let decimals = if value.fract() == 0.0 { 0 } else { 2 };
            format::format_number(value, decimals, &locale_of(state))
        });
        env.add_filter(
            "money",
            |state: &State, minor: i64, currency: String, exponent: Option<u32>| -> String {
                format::format_money(minor, &currency, exponent.unwrap_or(2), &locale_of(state))
            },
        );
        env.add_filter(
            "plural",
            |state: &State, n: f64, forms: Kwargs| -> Result<String, Error> {
                let tag = locale_of(state);
                let category = format::plural_category(n, &tag);
                let form: String = match forms.get::<Option<String>>(category)? {
                    Some(f) => f,
                    None => forms.get::<String>("other").map_err(|_| {
                        Error::new(ErrorKind::MissingArgument, "plural() needs an `other` form")
                    })?,
                };
                // Accept every category name so a template can list forms
                // for all languages without tripping unused-argument checks.
                for name in ["zero", "one", "two", "few", "many", "other"] {
                    let _ = forms.get::<Option<String>>(name);
                }
                forms.assert_all_used()?;
                let decimals = if n.fract() == 0.0 { 0 } else { 2 };
                Ok(form.replace('#', &format::format_number(n, decimals, &tag)))
            },
        );
        Renderer { env }
    }

    /// Adds a template; the error says where its syntax is wrong.
    pub fn add(&mut self, locale: &str, key: &str, source: &str) -> Result<(), String> {
        self.env
            .add_template_owned(format!("{locale}/{key}"), source.to_owned())
            .map_err(|e| describe(&e))
    }

    /// Renders `<locale>/<key>` with `vars` and `locale` in scope.
    pub fn render(&self, locale: &str, key: &str, vars: &AnswerVars) -> Result<String, String> {
        let template = self
            .env
            .get_template(&format!("{locale}/{key}"))
            .map_err(|e| describe(&e))?;
        let ctx =
            minijinja::context! { locale => locale, ..Value::from(minijinja::value::Serde(vars)) };
        template
            .render(ctx)
            .map(|s| {
                s.replace(&format!("{DATE_PERIOD}."), "")
                    .replace(DATE_PERIOD, "")
                    .trim()
                    .to_owned()
            })
            .map_err(|e| describe(&e))
    }
}

/// Marks the end of a date that ends in a period, so that a sentence period
/// right after it is dropped when the answer is rendered (Croatian, Serbian
/// and Hungarian dates end in one: "3. ožujka 2027." not "2027..").
/// A private-use character: it never occurs in templates or variables, and
/// `render` removes every one.
const DATE_PERIOD: char = '\u{E000}';

fn locale_of(state: &State) -> String {
    state
        .lookup("locale")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn parse_date(value: &str) -> Result<NaiveDate, Error> {
    let head = value.get(..10).unwrap_or(value);
    NaiveDate::parse_from_str(head, "%Y-%m-%d").map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("date filter needs an ISO 8601 date, got {value:?}"),
        )
    })
}

fn describe(e: &Error) -> String {
    match e.line() {
        Some(line) => format!(
            "line {line}: {}",
            e.detail().unwrap_or(&e.kind().to_string())
        ),
        None => e.to_string(),
    }
}
