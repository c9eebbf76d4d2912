//! Discord shard ranges: which gateway shards this process runs, so that
//! several processes (each with its range, one database) share a bot that
//! Discord requires to shard (from 2,500 guilds).

use super::{ConfigError, Picked, Sources};

/// Shards `first..=last` of `total`, run by this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardRange {
    /// First shard id run here.
    pub first: u32,
    /// Last shard id run here (inclusive).
    pub last: u32,
    /// Shards of the whole bot (the second element of IDENTIFY's `shard`).
    pub total: u32,
}

impl ShardRange {
    /// How many shards this process runs.
    pub fn count(&self) -> u32 {
        self.last - self.first + 1
    }
}

impl std::fmt::Display for ShardRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shards {}-{} of {}", self.first, self.last, self.total)
    }
}

fn number(p: &Picked, text: &str) -> Result<u32, ConfigError> {
    text.trim().parse::<u32>().map_err(|_| {
        p.invalid(format!(
            "{:?} is not a shard range like 0-3 (or one shard id)",
            p.value
        ))
    })
}

/// Reads `discord_shards` (`A-B` or `A`) and `discord_total_shards` (`N`).
/// Neither: `None` (serenity's default connection). Only a total: every
/// shard in this process. A range needs the total and must lie within it.
pub(super) fn shards(
    src: &Sources<'_>,
    range: Option<String>,
    total: Option<String>,
) -> Result<Option<ShardRange>, ConfigError> {
    let range = src.pick("discord_shards", range);
    let total = match src.pick("discord_total_shards", total) {
        None => None,
        Some(p) => match p.value.parse::<u32>() {
            Ok(n) if n > 0 => Some((n, p)),
            _ => return Err(p.invalid(format!("{:?} is not a positive number of shards", p.value))),
        },
    };
    match (range, total) {
        (None, None) => Ok(None),
        (None, Some((total, _))) => Ok(Some(ShardRange {
            first: 0,
            last: total - 1,
            total,
        })),
        (Some(p), None) => Err(p.invalid(
            "a shard range needs the total number of shards too \
             (--total-shards, SUPPORTBOT_DISCORD_TOTAL_SHARDS or discord_total_shards)",
        )),
        (Some(p), Some((total, _))) => {
            let (first, last) = match p.value.split_once('-') {
                Some((a, b)) => (number(&p, a)?, number(&p, b)?),
                None => {
                    let one = number(&p, &p.value)?;
                    (one, one)
                }
            };
            if first > last {
                return Err(p.invalid(format!(
                    "{:?}: the first shard comes after the last",
                    p.value
                )));
            }
            if last >= total {
                return Err(p.invalid(format!(
                    "{:?} is outside the {total} shards of the bot (ids 0-{})",
                    p.value,
                    total - 1
                )));
            }
            Ok(Some(ShardRange { first, last, total }))
        }
    }
}
