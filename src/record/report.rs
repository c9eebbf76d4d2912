//! `supportbot report`: figures for rule authors, computed from the record
//! and the handoff tickets. Pure: entries and tickets in, a [`Report`] out.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::entry::{Entry, EntryKind};
use crate::handoff::{Reason, Ticket};
use crate::intent::normalize::normalize;

/// Which part of the record a report covers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReportFilter {
    /// First day covered (UTC); everything when `None`.
    pub since: Option<NaiveDate>,
    /// Only this locale: a tag such as `nb` also covers `nb-NO`.
    pub locale: Option<String>,
    /// How many messages each "most frequent" list shows.
    pub top: usize,
}

impl ReportFilter {
    /// The first instant covered.
    pub fn since_instant(&self) -> Option<DateTime<Utc>> {
        self.since
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
    }

    fn covers(&self, at: DateTime<Utc>, locale: &str) -> bool {
        let after = self.since_instant().is_none_or(|s| at >= s);
        let tagged = self.locale.as_deref().is_none_or(|tag| {
            let (l, t) = (locale.to_ascii_lowercase(), tag.to_ascii_lowercase());
            l == t || l.strip_prefix(&t).is_some_and(|rest| rest.starts_with('-'))
        });
        after && tagged
    }
}

/// The figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// What it covers.
    pub filter: ReportFilter,
    /// Text messages.
    pub messages: usize,
    /// Text messages the bot did not understand.
    pub not_understood: usize,
    /// `not_understood / messages` (0 when there are none).
    pub not_understood_rate: f64,
    /// Text messages sent while a person had the conversation (the bot did
    /// not read them); not in `messages`.
    pub while_handed_off: usize,
    /// Commands, help and `/why`.
    pub other: usize,
    /// Per day and locale, oldest first.
    pub days: Vec<DayRow>,
    /// Intents by how often messages were read as them, most frequent first.
    pub intents: Vec<Count>,
    /// The most frequent messages the bot did not understand.
    pub top_not_understood: Vec<Group>,
    /// The most frequent messages a guard vetoed a rule on.
    pub top_vetoed: Vec<Group>,
    /// Handoff tickets by reason.
    pub handoffs: Vec<HandoffRow>,
    /// Feedback by answer and locale.
    pub feedback: Vec<FeedbackRow>,
}

/// One day in one locale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayRow {
    /// The day (UTC).
    pub day: NaiveDate,
    /// Reply locale.
    pub locale: String,
    /// Text messages.
    pub messages: usize,
    /// Of those, not understood.
    pub not_understood: usize,
    /// `not_understood / messages`.
    pub not_understood_rate: f64,
}

/// A name and how often it occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Count {
    /// Intent name.
    pub name: String,
    /// Messages.
    pub count: usize,
}

/// Messages that read the same once normalised, in one locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    /// The (redacted) text as first written.
    pub text: String,
    /// Reply locale.
    pub locale: String,
    /// Messages in the group.
    pub count: usize,
    /// Rules a guard vetoed on these messages (empty for not understood).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vetoed: Vec<String>,
}

/// Tickets opened for one reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HandoffRow {
    /// `asked`, `not_understood`, `feedback` or `agent_takeover`.
    pub reason: String,
    /// Tickets opened.
    pub tickets: usize,
    /// Of those, claimed by an agent.
    pub claimed: usize,
    /// Median seconds from opening to claim, over the claimed ones.
    pub median_seconds_to_claim: Option<i64>,
    /// Longest seconds from opening to claim.
    pub max_seconds_to_claim: Option<i64>,
}

/// Feedback on one answer in one locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedbackRow {
    /// Answer key.
    pub answer: String,
    /// Reply locale.
    pub locale: String,
    /// "It helped".
    pub helped: usize,
    /// "It did not help".
    pub not_helped: usize,
}

fn rate(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        // Rounded to 4 places so JSON output is stable to read and compare.
        ((part as f64 / whole as f64) * 10_000.0).round() / 10_000.0
    }
}

fn reason_name(r: &Reason) -> &'static str {
    match r {
        Reason::Asked => "asked",
        Reason::NotUnderstood(_) => "not_understood",
        Reason::Feedback => "feedback",
        Reason::AgentTakeover => "agent_takeover",
    }
}

/// What messages that read the same share: the words of the normalised
/// text (case, accents the rules ignore, punctuation and spacing dropped).
/// The normalised text is ASCII with every non-ASCII word character escaped
/// as ASCII word bytes, so its words are the message's words.
fn group_key(text: &str) -> String {
    normalize(text)
        .as_str()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A group being counted: first text, count, vetoed rules, first position.
type Tally = (String, usize, Vec<String>, usize);

#[derive(Default)]
struct Grouping {
    /// (normalised words, locale) → its tally.
    groups: BTreeMap<(String, String), Tally>,
}

impl Grouping {
    fn add(&mut self, order: usize, text: &str, locale: &str, vetoed: &[String]) {
        let key = (group_key(text), locale.to_owned());
        let g = self
            .groups
            .entry(key)
            .or_insert_with(|| (text.to_owned(), 0, Vec::new(), order));
        g.1 += 1;
        for v in vetoed {
            if !g.2.contains(v) {
                g.2.push(v.clone());
            }
        }
    }

    fn top(self, n: usize) -> Vec<Group> {
        let mut all: Vec<_> = self.groups.into_iter().collect();
        // Most frequent first; ties in the order first seen.
        all.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.1 .3.cmp(&b.1 .3)));
        all.into_iter()
            .take(n)
            .map(|((_, locale), (text, count, vetoed, _))| Group {
                text,
                locale,
                count,
                vetoed,
            })
            .collect()
    }
}

impl Report {
    /// The figures for `entries`, `tickets` and `feedback` under `filter`.
    pub fn build(
        entries: &[Entry],
        tickets: &[Ticket],
        feedback: &[crate::handoff::Feedback],
        filter: ReportFilter,
    ) -> Report {
        let mut r = Report::default();
        let mut days: BTreeMap<(NaiveDate, String), (usize, usize)> = BTreeMap::new();
        let mut intents: BTreeMap<String, usize> = BTreeMap::new();
        let (mut missed, mut vetoed) = (Grouping::default(), Grouping::default());
        let mut by_answer: BTreeMap<(String, String), (usize, usize)> = BTreeMap::new();
        for f in feedback.iter().filter(|f| filter.covers(f.at, &f.locale)) {
            let row = by_answer
                .entry((f.answer.clone(), f.locale.clone()))
                .or_default();
            if f.helped {
                row.0 += 1;
            } else {
                row.1 += 1;
            }
        }
        for (i, e) in entries.iter().enumerate() {
            if !filter.covers(e.at, &e.locale) {
                continue;
            }
            if e.kind != EntryKind::Text {
                r.other += 1;
                continue;
            }
            if e.understood.is_none() {
                r.while_handed_off += 1;
                continue;
            }
            r.messages += 1;
            let day = days
                .entry((e.at.date_naive(), e.locale.clone()))
                .or_default();
            day.0 += 1;
            if let Some(intent) = &e.intent {
                *intents.entry(intent.clone()).or_default() += 1;
            }
            let text = e.text.as_deref().unwrap_or_default();
            if e.not_understood() {
                r.not_understood += 1;
                day.1 += 1;
                missed.add(i, text, &e.locale, &[]);
            }
            if !e.vetoed.is_empty() {
                vetoed.add(i, text, &e.locale, &e.vetoed);
            }
        }
        r.not_understood_rate = rate(r.not_understood, r.messages);
        r.days = days
            .into_iter()
            .map(|((day, locale), (messages, not_understood))| DayRow {
                day,
                locale,
                messages,
                not_understood,
                not_understood_rate: rate(not_understood, messages),
            })
            .collect();
        let mut intents: Vec<Count> = intents
            .into_iter()
            .map(|(name, count)| Count { name, count })
            .collect();
        intents.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        r.intents = intents;
        r.top_not_understood = missed.top(filter.top);
        r.top_vetoed = vetoed.top(filter.top);
        r.handoffs = handoffs(tickets, &filter);
        r.feedback = by_answer
            .into_iter()
            .map(|((answer, locale), (helped, not_helped))| FeedbackRow {
                answer,
                locale,
                helped,
                not_helped,
            })
            .collect();
        r.filter = filter;
        r
    }
}

fn handoffs(tickets: &[Ticket], filter: &ReportFilter) -> Vec<HandoffRow> {
    let mut by: BTreeMap<&'static str, (usize, Vec<i64>)> = BTreeMap::new();
    for t in tickets {
        if !filter.covers(t.created_at, &t.locale) {
            continue;
        }
        let row = by.entry(reason_name(&t.reason)).or_default();
        row.0 += 1;
        if let Some((at, _)) = &t.claimed {
            row.1.push((*at - t.created_at).num_seconds());
        }
    }
    by.into_iter()
        .map(|(reason, (tickets, mut waits))| {
            waits.sort_unstable();
            HandoffRow {
                reason: reason.to_owned(),
                tickets,
                claimed: waits.len(),
                median_seconds_to_claim: waits.get(waits.len() / 2).copied(),
                max_seconds_to_claim: waits.last().copied(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::handoff::{TicketId, TicketState, UserKey};
    use crate::model::Platform;
    use crate::record::UserRef;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0)
            .single()
            .expect("time")
    }

    fn entry(n: u32, day: u32, locale: &str, text: &str, answer: &str) -> Entry {
        Entry {
            at: at(day, n % 24),
            event: format!("cli:{n}"),
            user: UserRef {
                platform: Platform::Cli,
                user_id: "operator".into(),
            },
            conversation: "local".into(),
            scope: None,
            kind: EntryKind::Text,
            locale: locale.into(),
            text: Some(text.into()),
            intent: (answer != "none").then(|| answer.to_owned()),
            rules: Vec::new(),
            vetoed: Vec::new(),
            answer_key: answer.into(),
            understood: Some(answer != "none"),
        }
    }

    fn ticket(n: u64, reason: Reason, claim_after: Option<i64>) -> Ticket {
        let created = at(2, 9);
        Ticket {
            id: TicketId::new(n),
            user: UserKey {
                platform: Platform::Cli,
                conversation: "local".into(),
                user_id: "operator".into(),
            },
            scope: None,
            locale: "en".into(),
            reason,
            transcript: Vec::new(),
            state: TicketState::Open,
            created_at: created,
            claimed: claim_after
                .map(|s| (created + chrono::TimeDelta::seconds(s), "cli:agent".into())),
            closed: None,
            event: format!("cli:t{n}"),
            revision: 0,
        }
    }

    #[test]
    fn figures_by_day_locale_and_text() {
        let mut vetoed = entry(9, 2, "nb-NO", "avlys møtet", "none");
        vetoed.vetoed = vec!["cancel/nb/avlys".into()];
        let helped = entry(10, 2, "en", "cancel SUB-1", "cancel");
        let feedback = vec![crate::handoff::Feedback {
            answer: "cancel".into(),
            locale: "en".into(),
            helped: true,
            user: crate::handoff::UserKey {
                platform: crate::model::Platform::Discord,
                conversation: "c".into(),
                user_id: "u".into(),
            },
            at: at(2, 5),
            event: "discord:f1".into(),
        }];
        let mut quiet = entry(11, 2, "en", "hello?", "handoff-waiting");
        quiet.understood = None;
        let entries = vec![
            quiet,
            entry(1, 1, "en", "Where is my parcel?", "none"),
            entry(2, 1, "en", "where is my parcel", "none"),
            entry(3, 1, "en", "hello", "greeting"),
            entry(4, 2, "en", "I want to cancel", "cancel"),
            entry(5, 2, "nb-NO", "hvor er pakken", "none"),
            vetoed,
            helped,
        ];
        let tickets = vec![
            ticket(1, Reason::Asked, Some(60)),
            ticket(2, Reason::Asked, Some(300)),
            ticket(3, Reason::NotUnderstood(2), None),
        ];
        let r = Report::build(
            &entries,
            &tickets,
            &feedback,
            ReportFilter {
                top: 5,
                ..ReportFilter::default()
            },
        );
        assert_eq!(
            (r.messages, r.not_understood, r.while_handed_off),
            (7, 4, 1)
        );
        assert_eq!(r.not_understood_rate, 0.5714);
        assert_eq!(r.days.len(), 3);
        assert_eq!(
            (
                r.days[0].day,
                r.days[0].locale.as_str(),
                r.days[0].messages,
                r.days[0].not_understood
            ),
            (at(1, 0).date_naive(), "en", 3, 2)
        );
        assert_eq!(
            r.intents[0],
            Count {
                name: "cancel".into(),
                count: 2
            }
        );
        // Case and punctuation differ; the normalised text is the same.
        assert_eq!(r.top_not_understood[0].count, 2);
        assert_eq!(r.top_not_understood[0].text, "Where is my parcel?");
        assert_eq!(r.top_vetoed.len(), 1);
        assert_eq!(r.top_vetoed[0].vetoed, vec!["cancel/nb/avlys".to_owned()]);
        let asked = &r.handoffs[0];
        assert_eq!(
            (asked.reason.as_str(), asked.tickets, asked.claimed),
            ("asked", 2, 2)
        );
        assert_eq!(asked.median_seconds_to_claim, Some(300));
        assert_eq!(asked.max_seconds_to_claim, Some(300));
        assert_eq!(r.handoffs[1].claimed, 0);
        assert_eq!(r.feedback[0].helped, 1);

        let nb = Report::build(
            &entries,
            &tickets,
            &feedback,
            ReportFilter {
                locale: Some("nb".into()),
                since: Some(at(2, 0).date_naive()),
                top: 5,
            },
        );
        assert_eq!((nb.messages, nb.not_understood), (2, 2));
        assert!(nb.handoffs.is_empty(), "tickets were in English");
    }
}
