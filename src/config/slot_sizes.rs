//! The account key `slot_sizes`: the job sizes, in cards, of the free-slot
//! series (`aipool_{pool,queue}_free_slots{cards}`). Checked by
//! `quantity::slots::check_sizes`; each size is one series per pool or queue
//! and accelerator, hence the cap.

use serde_json::Value;

use crate::fields::Fields;
use crate::quantity::slots::{check_sizes, DEFAULT_SLOT_SIZES};

/// A list of whole card counts, or (from an environment override) the same
/// as text, `"1,2,4"`. A refused list is an error at `slot_sizes`.
pub fn parse(f: &mut Fields<'_>) -> Vec<u32> {
    let raw = match f.take_value("slot_sizes") {
        None | Some(Value::Null) => return DEFAULT_SLOT_SIZES.to_vec(),
        Some(Value::Array(items)) => items,
        Some(Value::String(s)) => s
            .split(',')
            .map(|v| Value::String(v.trim().to_string()))
            .collect(),
        Some(other) => vec![other],
    };
    match check_sizes(&raw) {
        Ok(sizes) => sizes,
        Err(e) => {
            f.error("slot_sizes", e.to_string());
            DEFAULT_SLOT_SIZES.to_vec()
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::testing::{account, errors, parse};
    use crate::config::Env;

    fn sugon(keys: &str) -> String {
        account(
            "sugon",
            "s",
            &format!(
                "endpoint = \"https://ac.example\"\nuser = \"u\"\npassword = \"p\"\norg_id = \"o\"\n{keys}"
            ),
        )
    }

    #[test]
    fn default_and_listed_sizes() {
        let s = parse(&sugon(""), &[]).unwrap();
        assert_eq!(s.accounts[0].slot_sizes, vec![1, 2, 4, 8]);
        let s = parse(&sugon("slot_sizes = [8, 16, 1]"), &[]).unwrap();
        assert_eq!(s.accounts[0].slot_sizes, vec![8, 16, 1]);
        let s = parse(&sugon(""), &[("AIPOOL_ACCOUNTS__0__SLOT_SIZES", "2, 4")]).unwrap();
        assert_eq!(s.accounts[0].slot_sizes, vec![2, 4]);
    }

    #[test]
    fn bad_sizes_are_errors_with_the_key_path() {
        for (keys, want) in [
            (
                "slot_sizes = [0]",
                "accounts[0].slot_sizes: entry 0: 0 is not a positive whole number of cards",
            ),
            (
                "slot_sizes = [3, 3]",
                "accounts[0].slot_sizes: entry 1: 3 is listed twice",
            ),
            (
                "slot_sizes = [1, -4]",
                "accounts[0].slot_sizes: entry 1: -4 is not a positive whole number of cards",
            ),
            (
                "slot_sizes = []",
                "accounts[0].slot_sizes: must list at least one size",
            ),
            (
                "slot_sizes = [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]",
                "accounts[0].slot_sizes: lists 17 sizes; at most 16",
            ),
        ] {
            let errs = errors(&sugon(keys), &Env::default());
            assert_eq!(errs, vec![want.to_string()], "{keys}");
        }
    }
}
