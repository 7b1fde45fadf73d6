//! Sharding: `--shard=i/n` (or `shard = "i/n"` in the config) makes an instance
//! poll only the accounts whose stable hash falls in shard `i` of `n`, so `n`
//! replicas split a large fleet and Prometheus (or Thanos/Mimir) merges them.
//!
//! The hash is FNV-1a 64 of the account name: fixed by this file, identical on
//! every platform and version, so a given account always lands on the same shard.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether this shard polls the account called `name`.
    pub fn owns(&self, name: &str) -> bool {
        fnv1a(name.as_bytes()) % self.count == self.index
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?} is not of the form i/n (e.g. 0/3)"))?;
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| format!("{i:?} is not a shard index"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("{n:?} is not a shard count"))?;
        if count == 0 || index >= count {
            return Err(format!(
                "shard index must be below the count (0 ≤ i < n), got {index}/{count}"
            ));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing() {
        assert_eq!("1/3".parse::<Shard>(), Ok(Shard { index: 1, count: 3 }));
        for bad in ["3/3", "1", "a/2", "0/0", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn every_account_has_exactly_one_shard_and_the_split_is_fair() {
        let names: Vec<String> = (0..3000).map(|i| format!("account-{i}")).collect();
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        let mut sizes = [0usize; 3];
        for n in &names {
            let owners: Vec<_> = shards.iter().filter(|s| s.owns(n)).collect();
            assert_eq!(owners.len(), 1, "{n}");
            sizes[owners[0].index as usize] += 1;
        }
        for s in sizes {
            assert!((800..1200).contains(&s), "{sizes:?}");
        }
    }

    #[test]
    fn the_hash_is_stable() {
        // Pinned values: changing the hash would move accounts between shards on
        // upgrade.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert!(
            Shard { index: 1, count: 2 }.owns("bj-prod")
                != Shard { index: 0, count: 2 }.owns("bj-prod")
        );
    }
}
