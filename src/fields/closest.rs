//! "Did you mean …?": the closest of a few candidate words to a misspelt one,
//! by edit distance (optimal string alignment: insertions, deletions,
//! substitutions and swaps of two neighbours each count 1).

/// The candidate nearest to `word`, if it is near enough to be a plausible typo:
/// at most a third of the candidate's length (and at least 1) edits away. Ties go
/// to the earlier candidate. An exact match is not a suggestion.
pub fn closest_match<'c>(
    word: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    let word_lower = word.to_lowercase();
    let mut best: Option<(usize, &'c str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let d = edit_distance(&word_lower, &candidate.to_lowercase());
        let limit = (candidate.chars().count() / 3).max(1);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// The optimal-string-alignment distance between `a` and `b`, over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows suffice: a swap looks two rows back.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        // A swap of neighbours is one edit, not two.
        assert_eq!(edit_distance("regoin", "region"), 1);
        assert_eq!(edit_distance("secret_acess_key", "secret_access_key"), 1);
    }

    #[test]
    fn suggestions() {
        let keys = [
            "name",
            "provider",
            "region",
            "secret_access_key",
            "secret_access_key_file",
        ];
        assert_eq!(
            closest_match("secret_acess_key", keys),
            Some("secret_access_key")
        );
        assert_eq!(closest_match("regoin", keys), Some("region"));
        assert_eq!(closest_match("Region", keys), Some("region"));
        assert_eq!(
            closest_match("account", ["web", "accounts", "shard"]),
            Some("accounts")
        );
        // Too far from everything: no guess rather than a bad one.
        assert_eq!(closest_match("colour", keys), None);
        assert_eq!(closest_match("x", ["y"]), Some("y"));
        assert_eq!(closest_match("name", keys), None);
    }
}
