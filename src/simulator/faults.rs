//! Fault injection for the simulator: `simulate --faults=SPEC`, or at run time
//! `POST /-/faults` with the spec as the body (an empty body clears all faults).
//!
//! SPEC is a comma-separated list of `TARGET=FAULT[*COUNT]`:
//! - TARGET: `*` (every request) or a substring of the request's API name (the
//!   `action`/`Action` query parameter, else the path), e.g. `DescribeQueues`,
//!   `v3/queues`, `/pools`, or of its query or body, to pick the calls of one
//!   pool or service: `resourcePoolId=cce-1`, `"serviceId":"svco-1"`.
//! - FAULT: `5xx` (503), `429` or `429:SECS` (with `Retry-After`), `slow:DURATION`
//!   (answers normally after the delay), `hang` (never answers), `reset` (closes
//!   the connection without a response), `truncate` (the body cut in half),
//!   `malformed` (a body that is not JSON), `huge` (a 100 MiB body), `expire`
//!   (the platform's own "credentials expired" answer: Baidu `RequestExpired`,
//!   the AIHC console's login redirect, ModelArts `APIGW.0301`, Sugon code
//!   `10008` in a 200 body — see [`super::Platform::expired`]), `skew:DURATION`
//!   or `skew:-DURATION` (the platform's clock runs ahead or behind by that much
//!   while it handles the request: signatures and tokens are checked against it).
//! - COUNT: how many matching requests get the fault (default: all).

use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    ServerError,
    Throttle(Option<u64>),
    Slow(Duration),
    Hang,
    Reset,
    Truncate,
    Malformed,
    Huge,
    Expire,
    /// Milliseconds the platform's clock is ahead (negative: behind).
    Skew(i64),
}

#[derive(Debug, Clone, PartialEq)]
struct Rule {
    target: String,
    fault: Fault,
    remaining: Option<u64>,
}

#[derive(Debug, Default)]
pub struct Faults(Mutex<Vec<Rule>>);

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("fault spec {0:?}: {1}")]
pub struct SpecError(String, &'static str);

fn parse_rule(item: &str) -> Result<Rule, SpecError> {
    let err = |why| SpecError(item.to_string(), why);
    // The last `=`: a target may hold one (`resourcePoolId=cce-1`), a fault never does.
    let (target, rest) = item
        .rsplit_once('=')
        .ok_or_else(|| err("expected TARGET=FAULT"))?;
    let (fault, count) = match rest.split_once('*') {
        Some((f, n)) => (
            f,
            Some(
                n.parse::<u64>()
                    .map_err(|_| err("COUNT must be a number"))?,
            ),
        ),
        None => (rest, None),
    };
    let fault = match fault.split_once(':') {
        None => match fault {
            "5xx" => Fault::ServerError,
            "429" => Fault::Throttle(None),
            "hang" => Fault::Hang,
            "reset" => Fault::Reset,
            "truncate" => Fault::Truncate,
            "malformed" => Fault::Malformed,
            "huge" => Fault::Huge,
            "expire" => Fault::Expire,
            _ => return Err(err("unknown fault")),
        },
        Some(("429", secs)) => Fault::Throttle(Some(
            secs.parse().map_err(|_| err("429:SECS needs a number"))?,
        )),
        Some(("slow", d)) => Fault::Slow(
            humantime::parse_duration(d).map_err(|_| err("slow:DURATION needs a duration"))?,
        ),
        Some(("skew", d)) => {
            let (sign, d) = match d.strip_prefix('-') {
                Some(rest) => (-1, rest),
                None => (1, d),
            };
            let d =
                humantime::parse_duration(d).map_err(|_| err("skew:DURATION needs a duration"))?;
            Fault::Skew(sign * i64::try_from(d.as_millis()).map_err(|_| err("skew too large"))?)
        }
        _ => return Err(err("unknown fault")),
    };
    Ok(Rule {
        target: target.trim().to_string(),
        fault,
        remaining: count,
    })
}

impl Faults {
    /// Replaces the rules with those of `spec` (empty clears them).
    pub fn set(&self, spec: &str) -> Result<(), SpecError> {
        let rules = spec
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(parse_rule)
            .collect::<Result<Vec<_>, _>>()?;
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = rules;
        Ok(())
    }

    /// The fault for a request to `api`, if any rule matches (first match wins;
    /// its count goes down).
    pub fn take(&self, api: &str) -> Option<Fault> {
        let mut rules = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let rule = rules
            .iter_mut()
            .find(|r| (r.target == "*" || api.contains(&r.target)) && r.remaining != Some(0))?;
        if let Some(n) = rule.remaining.as_mut() {
            *n -= 1;
        }
        Some(rule.fault.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parsing_and_counts() {
        let f = Faults::default();
        f.set("DescribeQueues=5xx*2, v3/queues=429:3,*=slow:50ms")
            .unwrap();
        assert_eq!(f.take("DescribeQueues"), Some(Fault::ServerError));
        assert_eq!(f.take("DescribeQueues"), Some(Fault::ServerError));
        // Count used up: the next matching rule is the catch-all.
        assert_eq!(
            f.take("DescribeQueues"),
            Some(Fault::Slow(Duration::from_millis(50)))
        );
        assert_eq!(
            f.take("/api/aihc/aihc-service/v3/queues"),
            Some(Fault::Throttle(Some(3)))
        );
        f.set("").unwrap();
        assert_eq!(f.take("DescribeQueues"), None);
        f.set("/pools=expire*1,*=skew:-20m").unwrap();
        assert_eq!(f.take("/v2/p/pools"), Some(Fault::Expire));
        assert_eq!(f.take("/v2/p/pools"), Some(Fault::Skew(-1_200_000)));
        // A target with `=` in it: one pool's calls.
        f.set("resourcePoolId=cce-1=5xx").unwrap();
        assert_eq!(
            f.take("/api/v3/queues?resourcePoolId=cce-1 "),
            Some(Fault::ServerError)
        );
        assert_eq!(f.take("/api/v3/queues?resourcePoolId=cce-2 "), None);
    }

    #[test]
    fn bad_specs_are_rejected() {
        let f = Faults::default();
        for bad in [
            "x",
            "x=boom",
            "x=5xx*many",
            "x=slow:soon",
            "x=429:later",
            "x=skew:+-3",
        ] {
            assert!(f.set(bad).is_err(), "{bad}");
        }
    }
}
