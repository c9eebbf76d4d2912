//! `supportbot report`: what the bot was asked and how it did, for rule
//! authors — from the conversation record and the handoff tickets.

use std::io::Write;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::Args as ClapArgs;

use super::runtime;
use crate::config::Settings;
use crate::record::report::Group;
use crate::record::{Report, ReportFilter};

/// Arguments of `report`.
#[derive(Debug, ClapArgs)]
pub struct ReportArgs {
    /// First day to cover (YYYY-MM-DD, UTC); everything kept when omitted.
    #[arg(long, value_name = "DATE")]
    pub since: Option<NaiveDate>,
    /// Only messages answered in this locale (`nb` covers `nb-NO`).
    #[arg(long, value_name = "TAG")]
    pub locale: Option<String>,
    /// How many messages each "most frequent" list shows.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Print the figures as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `report`.
pub fn run(settings: &Settings, args: &ReportArgs) -> anyhow::Result<ExitCode> {
    let services = super::lifecycle::open_all(settings, None)?;
    let filter = ReportFilter {
        since: args.since,
        locale: args.locale.clone(),
        top: args.top,
    };
    let report = runtime()?.block_on(async {
        let entries = services.record.entries(filter.since_instant()).await?;
        let tickets = services.handoff.list().await?;
        let feedback = services.handoff.feedback_list().await?;
        anyhow::Ok(Report::build(&entries, &tickets, &feedback, filter))
    })?;
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        write_text(&mut out, &report)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s => format!("{:.1} h", s as f64 / 3600.0),
    }
}

fn groups(out: &mut impl Write, title: &str, groups: &[Group]) -> std::io::Result<()> {
    writeln!(out, "\n{title}:")?;
    if groups.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for g in groups {
        write!(out, "  {:>4}×  [{}]  {}", g.count, g.locale, g.text)?;
        if !g.vetoed.is_empty() {
            write!(out, "   (vetoed: {})", g.vetoed.join(", "))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn write_text(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    let scope = match (&r.filter.since, &r.filter.locale) {
        (Some(d), Some(l)) => format!(" since {d}, locale {l}"),
        (Some(d), None) => format!(" since {d}"),
        (None, Some(l)) => format!(", locale {l}"),
        (None, None) => String::new(),
    };
    writeln!(
        out,
        "{} messages{scope}: {} not understood ({}); {} more while a person had the conversation; {} commands, help or /why",
        r.messages,
        r.not_understood,
        percent(r.not_understood_rate),
        r.while_handed_off,
        r.other
    )?;
    writeln!(out, "\nby day and locale:")?;
    for d in &r.days {
        writeln!(
            out,
            "  {}  {:<8} {:>5} messages  {:>4} not understood ({})",
            d.day,
            d.locale,
            d.messages,
            d.not_understood,
            percent(d.not_understood_rate)
        )?;
    }
    writeln!(out, "\nintents:")?;
    for i in &r.intents {
        writeln!(out, "  {:>5}  {}", i.count, i.name)?;
    }
    groups(out, "most frequent not understood", &r.top_not_understood)?;
    groups(out, "most frequent guard-vetoed", &r.top_vetoed)?;
    writeln!(out, "\nhandoffs:")?;
    if r.handoffs.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for h in &r.handoffs {
        let wait = match (h.median_seconds_to_claim, h.max_seconds_to_claim) {
            (Some(m), Some(x)) => {
                format!(
                    "; to claim: median {}, longest {}",
                    duration(m),
                    duration(x)
                )
            }
            _ => String::new(),
        };
        writeln!(
            out,
            "  {:<16} {} tickets, {} claimed{wait}",
            h.reason, h.tickets, h.claimed
        )?;
    }
    if !r.feedback.is_empty() {
        writeln!(out, "\nfeedback:")?;
        for f in &r.feedback {
            writeln!(
                out,
                "  {} [{}]: {} helped, {} did not",
                f.answer, f.locale, f.helped, f.not_helped
            )?;
        }
    }
    Ok(())
}
