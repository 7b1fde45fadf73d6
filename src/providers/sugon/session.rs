//! The token lifecycle, as pure data and decisions (the HTTP side is in
//! `client.rs`).
//!
//! One login answers with a token per compute region. Each token is a JWT whose
//! payload says when it expires (`expireTime`, epoch ms). The exporter logs in
//! again once any region's token is within a margin of its expiry:
//!
//! `margin = min(5 minutes, lifetime / 2)`, `lifetime = expireTime − the local time
//! the login answered`.
//!
//! Real tokens live for hours, so the margin is 5 minutes; halving the lifetime
//! keeps the rule meaningful for the few-second tokens the tests use (a 4 s token
//! is renewed after 2 s) instead of renewing on every poll. A token whose
//! `expireTime` is missing, unreadable or already past when it arrives (the
//! platform's clock disagrees with ours) gets no planned renewal: the exporter
//! relies on error 10008 for it, which makes it log in again once and retry.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::fields::Secret;
use aipool_signing::scnet;

use serde_json::Value;

use crate::providers::mapping::MapError;
use crate::providers::upstream::decode::DecodeLog;

use super::dto::{lenient_list, TokenEntryDto};

/// The longest a token is renewed ahead of its expiry.
pub const MAX_RENEW_MARGIN: Duration = Duration::from_secs(5 * 60);

/// The clusterId of the platform's own token (clusterName `ac`): it serves the
/// platform APIs only and is not a compute region.
pub const PLATFORM_CLUSTER_ID: &str = "0";

/// When to renew a token obtained at `obtained_ms` that expires at `expire_ms`;
/// `None` when there is nothing to plan by (see the module docs).
pub fn renew_at_ms(obtained_ms: u64, expire_ms: Option<u64>) -> Option<u64> {
    let expire = expire_ms?;
    let lifetime = expire.checked_sub(obtained_ms).filter(|l| *l > 0)?;
    let margin = (lifetime / 2).min(MAX_RENEW_MARGIN.as_millis() as u64);
    Some(expire - margin)
}

/// One compute region's token.
#[derive(Debug, Clone)]
pub struct RegionToken {
    pub cluster_id: String,
    pub cluster_name: String,
    /// A `Secret`, so it cannot be formatted into a log line or error by mistake.
    pub token: Secret,
    pub renew_at_ms: Option<u64>,
    /// The token's `expireTime`, when it plans a renewal (a future expiry).
    pub expire_at_ms: Option<u64>,
}

/// The tokens of one login.
#[derive(Debug, Clone)]
pub struct Session {
    pub regions: Vec<RegionToken>,
}

/// What a login answer said besides the usable tokens; the caller logs it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginNotes {
    /// Regions (id, name) the user may use but got no token for (`token: null`:
    /// the account is suspended there).
    pub without_token: Vec<(String, String)>,
    /// Configured `cluster_ids` the login did not mention at all.
    pub missing: Vec<String>,
    /// Regions whose token carries no usable `expireTime`.
    pub unknown_expiry: Vec<String>,
}

/// Why a login answer cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("the login returned no compute region")]
    NoRegions,
    #[error("no selected compute region has a token ({0} without one: the account may be suspended or in arrears there)")]
    AllWithoutToken(usize),
    #[error("none of cluster_ids {wanted:?} is among the user's compute regions {offered:?}")]
    NoneSelected {
        wanted: Vec<String>,
        offered: Vec<String>,
    },
    #[error("a login entry has no clusterId")]
    MissingClusterId,
}

/// The entries of a login answer's `data`, one per region, each decoded on its
/// own: an entry that cannot be read, or names no region (no `clusterId`), is
/// dropped and recorded in `log`, costing that region only. `data` that is not
/// a list is the wrong answer altogether.
pub fn login_entries(
    data: Value,
    api: &str,
    log: &mut DecodeLog,
) -> Result<Vec<TokenEntryDto>, MapError> {
    let items = match data {
        Value::Array(items) => items,
        other => {
            return Err(MapError {
                context: "login data".into(),
                reason: format!("expected a list, found {}", super::map::short(&other)),
            })
        }
    };
    let decoded: Vec<TokenEntryDto> =
        log.keep_decoded(api, "login entry", "clusterId", lenient_list(&items));
    let mut entries = Vec::with_capacity(decoded.len());
    for e in decoded {
        if e.cluster_id
            .as_deref()
            .is_some_and(|c| !c.trim().is_empty())
        {
            entries.push(e);
        } else {
            let name = e.cluster_name.as_deref().unwrap_or("");
            log.drop_object(
                api,
                format!("login entry (clusterName {name:?})"),
                "no clusterId",
            );
        }
    }
    Ok(entries)
}

impl Session {
    /// Builds a session from a login answer received at `now_ms`, keeping the
    /// regions in `cluster_ids` (all when empty) that have a token.
    pub fn from_login(
        entries: Vec<TokenEntryDto>,
        cluster_ids: &[String],
        now_ms: u64,
    ) -> Result<(Session, LoginNotes), SessionError> {
        let mut notes = LoginNotes::default();
        let mut regions = Vec::new();
        let mut offered = Vec::new();
        let mut seen = BTreeSet::new();
        let mut selected = 0usize;
        for e in entries {
            let id = e
                .cluster_id
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .ok_or(SessionError::MissingClusterId)?;
            if id == PLATFORM_CLUSTER_ID || !seen.insert(id.clone()) {
                continue;
            }
            offered.push(id.clone());
            if !cluster_ids.is_empty() && !cluster_ids.contains(&id) {
                continue;
            }
            selected += 1;
            let name = e.cluster_name.unwrap_or_default();
            match e.token.filter(|t| !t.trim().is_empty()) {
                None => notes.without_token.push((id, name)),
                Some(token) => {
                    let expire = scnet::jwt_expire_time_ms(&token);
                    let renew_at_ms = renew_at_ms(now_ms, expire);
                    if renew_at_ms.is_none() {
                        notes.unknown_expiry.push(id.clone());
                    }
                    regions.push(RegionToken {
                        cluster_id: id,
                        cluster_name: name,
                        token: Secret::new(token),
                        renew_at_ms,
                        expire_at_ms: renew_at_ms.and(expire),
                    });
                }
            }
        }
        notes.missing = cluster_ids
            .iter()
            .filter(|c| !offered.contains(c))
            .cloned()
            .collect();
        if regions.is_empty() {
            return Err(if offered.is_empty() {
                SessionError::NoRegions
            } else if selected == 0 {
                SessionError::NoneSelected {
                    wanted: cluster_ids.to_vec(),
                    offered,
                }
            } else {
                SessionError::AllWithoutToken(notes.without_token.len())
            });
        }
        Ok((Session { regions }, notes))
    }

    /// Some token is due for renewal at `now_ms`.
    pub fn renewal_due(&self, now_ms: u64) -> bool {
        self.regions
            .iter()
            .any(|r| r.renew_at_ms.is_some_and(|t| now_ms >= t))
    }

    /// Every token is known to be valid until after `now_ms`: a failed renewal
    /// can fall back on them.
    pub fn still_valid(&self, now_ms: u64) -> bool {
        self.regions
            .iter()
            .all(|r| r.expire_at_ms.is_some_and(|t| now_ms < t))
    }

    pub fn token(&self, cluster_id: &str) -> Option<&Secret> {
        self.regions
            .iter()
            .find(|r| r.cluster_id == cluster_id)
            .map(|r| &r.token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jwt(expire_ms: u64) -> String {
        aipool_sim::sugon::mint_token(&json!({"user": "u", "expireTime": expire_ms.to_string()}))
    }

    fn entry(id: &str, name: &str, token: Option<String>) -> TokenEntryDto {
        TokenEntryDto {
            cluster_id: Some(id.into()),
            cluster_name: Some(name.into()),
            token,
        }
    }

    #[test]
    fn margin_is_five_minutes_for_real_lifetimes() {
        let hour = 3_600_000;
        assert_eq!(
            renew_at_ms(1_000, Some(1_000 + 2 * hour)),
            Some(1_000 + 2 * hour - 300_000)
        );
    }

    #[test]
    fn margin_is_half_the_lifetime_for_short_tokens() {
        // A 4 s test token is renewed after 2 s; a 9 min one after 4.5 min.
        assert_eq!(renew_at_ms(10_000, Some(14_000)), Some(12_000));
        assert_eq!(renew_at_ms(0, Some(540_000)), Some(270_000));
        // Exactly 10 min: both rules give 5 min.
        assert_eq!(renew_at_ms(0, Some(600_000)), Some(300_000));
    }

    #[test]
    fn no_plan_without_a_future_expiry() {
        assert_eq!(renew_at_ms(5_000, None), None);
        assert_eq!(renew_at_ms(5_000, Some(5_000)), None);
        assert_eq!(renew_at_ms(5_000, Some(4_000)), None);
    }

    #[test]
    fn login_keeps_regions_with_tokens_and_notes_the_rest() {
        let now = 1_000_000;
        let entries = vec![
            entry("0", "ac", Some(jwt(now + 7_200_000))),
            entry("11112", "昆山", Some(jwt(now + 7_200_000))),
            entry("11113", "深圳", None),
            entry("11250", "西安", Some("not-a-jwt".into())),
        ];
        let (s, notes) = Session::from_login(entries, &[], now).unwrap();
        let ids: Vec<&str> = s.regions.iter().map(|r| r.cluster_id.as_str()).collect();
        assert_eq!(ids, ["11112", "11250"]);
        assert_eq!(
            notes.without_token,
            vec![("11113".to_string(), "深圳".to_string())]
        );
        assert_eq!(notes.unknown_expiry, vec!["11250".to_string()]);
        assert!(notes.missing.is_empty());
        assert_eq!(s.regions[0].renew_at_ms, Some(now + 7_200_000 - 300_000));
        assert!(!s.renewal_due(now + 6_899_999));
        assert!(s.renewal_due(now + 6_900_000));
        // 11250's expiry is unknown, so the session cannot vouch for it.
        assert!(!s.still_valid(now + 1));
        assert!(s.token("11250").is_some() && s.token("0").is_none());
    }

    #[test]
    fn cluster_ids_select_regions() {
        let now = 1;
        let entries = || {
            vec![
                entry("11112", "a", Some(jwt(100_000))),
                entry("11250", "b", Some(jwt(100_000))),
            ]
        };
        let (s, notes) =
            Session::from_login(entries(), &["11250".into(), "99".into()], now).unwrap();
        assert_eq!(s.regions.len(), 1);
        assert_eq!(s.regions[0].cluster_id, "11250");
        assert!(s.still_valid(99_999) && !s.still_valid(100_000));
        assert_eq!(notes.missing, vec!["99".to_string()]);
        assert_eq!(
            Session::from_login(entries(), &["99".into()], now).unwrap_err(),
            SessionError::NoneSelected {
                wanted: vec!["99".into()],
                offered: vec!["11112".into(), "11250".into()]
            }
        );
    }

    #[test]
    fn unusable_logins_are_errors() {
        assert_eq!(
            Session::from_login(vec![entry("0", "ac", Some(jwt(9)))], &[], 1).unwrap_err(),
            SessionError::NoRegions
        );
        assert_eq!(
            Session::from_login(vec![entry("5", "x", None)], &[], 1).unwrap_err(),
            SessionError::AllWithoutToken(1)
        );
        let no_id = TokenEntryDto {
            cluster_id: None,
            cluster_name: None,
            token: None,
        };
        assert_eq!(
            Session::from_login(vec![no_id], &[], 1).unwrap_err(),
            SessionError::MissingClusterId
        );
    }

    #[test]
    fn tokens_never_show_in_debug_output() {
        let token = jwt(100_000);
        let (s, _) =
            Session::from_login(vec![entry("7", "r", Some(token.clone()))], &[], 1).unwrap();
        assert!(!format!("{s:?}").contains(&token));
    }
}
