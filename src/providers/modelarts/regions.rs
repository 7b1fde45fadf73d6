//! The regions Huawei Cloud serves ModelArts and IAM in, and their endpoints.
//!
//! Facts copied from the official Python SDK (PyPI, version 3.1.219):
//! - ModelArts: `huaweicloudsdkmodelarts` `v1/region/modelarts_region.py`
//!   (`ModelArtsRegion.static_fields`, 22 regions). Every endpoint is
//!   `https://modelarts.{region}.myhuaweicloud.com` except `ap-southeast-1`,
//!   which is on `myhuaweicloud.cn`.
//! - IAM: `huaweicloudsdkiam` `v3/region/iam_region.py`
//!   (`IamRegion.static_fields`, 28 regions). There `ap-southeast-1` is on
//!   `.com` and `eu-west-101` on `myhuaweicloud.eu`.
//!
//! A region outside a table is no guess of ours: the host would be made up and
//! fail at run time with a DNS error. Such a region (a typo, or another cloud
//! such as Open Telekom Cloud) needs the endpoint set explicitly.

/// ModelArts region → endpoint, in the SDK's order.
pub const MODELARTS_ENDPOINTS: [(&str, &str); 22] = [
    (
        "cn-north-1",
        "https://modelarts.cn-north-1.myhuaweicloud.com",
    ),
    (
        "cn-north-4",
        "https://modelarts.cn-north-4.myhuaweicloud.com",
    ),
    (
        "cn-south-1",
        "https://modelarts.cn-south-1.myhuaweicloud.com",
    ),
    (
        "ap-southeast-1",
        "https://modelarts.ap-southeast-1.myhuaweicloud.cn",
    ),
    (
        "ap-southeast-2",
        "https://modelarts.ap-southeast-2.myhuaweicloud.com",
    ),
    (
        "ap-southeast-3",
        "https://modelarts.ap-southeast-3.myhuaweicloud.com",
    ),
    ("cn-east-3", "https://modelarts.cn-east-3.myhuaweicloud.com"),
    ("cn-east-4", "https://modelarts.cn-east-4.myhuaweicloud.com"),
    (
        "la-south-2",
        "https://modelarts.la-south-2.myhuaweicloud.com",
    ),
    (
        "af-south-1",
        "https://modelarts.af-south-1.myhuaweicloud.com",
    ),
    (
        "cn-north-9",
        "https://modelarts.cn-north-9.myhuaweicloud.com",
    ),
    ("tr-west-1", "https://modelarts.tr-west-1.myhuaweicloud.com"),
    (
        "ap-southeast-4",
        "https://modelarts.ap-southeast-4.myhuaweicloud.com",
    ),
    ("me-east-1", "https://modelarts.me-east-1.myhuaweicloud.com"),
    (
        "cn-southwest-2",
        "https://modelarts.cn-southwest-2.myhuaweicloud.com",
    ),
    (
        "cn-north-2",
        "https://modelarts.cn-north-2.myhuaweicloud.com",
    ),
    (
        "sa-brazil-1",
        "https://modelarts.sa-brazil-1.myhuaweicloud.com",
    ),
    (
        "la-north-2",
        "https://modelarts.la-north-2.myhuaweicloud.com",
    ),
    (
        "af-north-1",
        "https://modelarts.af-north-1.myhuaweicloud.com",
    ),
    (
        "cn-north-12",
        "https://modelarts.cn-north-12.myhuaweicloud.com",
    ),
    (
        "cn-southwest-3",
        "https://modelarts.cn-southwest-3.myhuaweicloud.com",
    ),
    (
        "cn-north-11",
        "https://modelarts.cn-north-11.myhuaweicloud.com",
    ),
];

/// IAM region → endpoint, in the SDK's order.
pub const IAM_ENDPOINTS: [(&str, &str); 28] = [
    ("cn-north-2", "https://iam.cn-north-2.myhuaweicloud.com"),
    ("cn-north-4", "https://iam.cn-north-4.myhuaweicloud.com"),
    ("cn-north-1", "https://iam.cn-north-1.myhuaweicloud.com"),
    ("cn-east-2", "https://iam.cn-east-2.myhuaweicloud.com"),
    ("cn-east-3", "https://iam.cn-east-3.myhuaweicloud.com"),
    ("cn-south-1", "https://iam.cn-south-1.myhuaweicloud.com"),
    ("cn-south-2", "https://iam.cn-south-2.myhuaweicloud.com"),
    (
        "cn-southwest-2",
        "https://iam.cn-southwest-2.myhuaweicloud.com",
    ),
    (
        "ap-southeast-1",
        "https://iam.ap-southeast-1.myhuaweicloud.com",
    ),
    (
        "ap-southeast-2",
        "https://iam.ap-southeast-2.myhuaweicloud.com",
    ),
    (
        "ap-southeast-3",
        "https://iam.ap-southeast-3.myhuaweicloud.com",
    ),
    ("af-south-1", "https://iam.af-south-1.myhuaweicloud.com"),
    ("sa-brazil-1", "https://iam.sa-brazil-1.myhuaweicloud.com"),
    ("la-south-2", "https://iam.la-south-2.myhuaweicloud.com"),
    ("na-mexico-1", "https://iam.na-mexico-1.myhuaweicloud.com"),
    ("la-north-2", "https://iam.la-north-2.myhuaweicloud.com"),
    ("cn-north-9", "https://iam.cn-north-9.myhuaweicloud.com"),
    ("eu-west-101", "https://iam.eu-west-101.myhuaweicloud.eu"),
    ("eu-west-0", "https://iam.eu-west-0.myhuaweicloud.com"),
    (
        "my-kualalumpur-1",
        "https://iam.my-kualalumpur-1.myhuaweicloud.com",
    ),
    ("ru-moscow-1", "https://iam.ru-moscow-1.myhuaweicloud.com"),
    ("me-east-1", "https://iam.me-east-1.myhuaweicloud.com"),
    (
        "ap-southeast-4",
        "https://iam.ap-southeast-4.myhuaweicloud.com",
    ),
    ("ae-ad-1", "https://iam.ae-ad-1.myhuaweicloud.com"),
    ("cn-east-4", "https://iam.cn-east-4.myhuaweicloud.com"),
    ("cn-east-5", "https://iam.cn-east-5.myhuaweicloud.com"),
    ("tr-west-1", "https://iam.tr-west-1.myhuaweicloud.com"),
    ("cn-north-12", "https://iam.cn-north-12.myhuaweicloud.com"),
];

/// IAM's global endpoint: IAM is a global service and every IAM API, the
/// token call included, answers there (IAM API reference, "Before You Start"
/// / "使用前必读", table "IAM endpoints": region `global`,
/// `iam.myhuaweicloud.com`).
pub const IAM_GLOBAL_ENDPOINT: &str = "https://iam.myhuaweicloud.com";

/// The ModelArts endpoint of a region of the SDK's table.
pub fn modelarts_endpoint(region: &str) -> Option<&'static str> {
    lookup(&MODELARTS_ENDPOINTS, region)
}

/// The IAM endpoint of a region of the SDK's IAM table; for a Huawei Cloud
/// region of the ModelArts table the IAM table lacks (`cn-southwest-3`, …),
/// the global endpoint. `None` outside both tables (another cloud).
pub fn iam_endpoint(region: &str) -> Option<&'static str> {
    lookup(&IAM_ENDPOINTS, region)
        .or_else(|| modelarts_endpoint(region).map(|_| IAM_GLOBAL_ENDPOINT))
}

fn lookup(table: &[(&'static str, &'static str)], region: &str) -> Option<&'static str> {
    table.iter().find(|(r, _)| *r == region).map(|(_, e)| *e)
}

/// The regions of `table`, sorted, comma-separated (for messages).
pub fn known(table: &[(&str, &str)]) -> String {
    let mut regions: Vec<&str> = table.iter().map(|(r, _)| *r).collect();
    regions.sort_unstable();
    regions.join(", ")
}

/// The region of `table` closest to `region` by edit distance, when it is close
/// enough to be a typo of it (at most 2 edits, and fewer than a third of the
/// longer name, so `eu-de` suggests nothing rather than something unrelated).
/// Ties go to the table's first.
pub fn closest<'t>(table: &[(&'t str, &str)], region: &str) -> Option<&'t str> {
    table
        .iter()
        .map(|(r, _)| (edit_distance(r, region), *r))
        .filter(|(d, r)| *d <= 2 && *d * 3 < r.len().max(region.len()))
        .min_by_key(|(d, _)| *d)
        .map(|(_, r)| r)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    // Source: PyPI huaweicloudsdkmodelarts 3.1.219, v1/region/modelarts_region.py.
    #[test]
    fn modelarts_table_is_the_sdks() {
        assert_eq!(MODELARTS_ENDPOINTS.len(), 22);
        assert_eq!(
            modelarts_endpoint("cn-north-4"),
            Some("https://modelarts.cn-north-4.myhuaweicloud.com")
        );
        // The one region on .cn.
        assert_eq!(
            modelarts_endpoint("ap-southeast-1"),
            Some("https://modelarts.ap-southeast-1.myhuaweicloud.cn")
        );
        for (region, endpoint) in MODELARTS_ENDPOINTS {
            if region != "ap-southeast-1" {
                assert_eq!(
                    endpoint,
                    format!("https://modelarts.{region}.myhuaweicloud.com")
                );
            }
        }
        assert_eq!(modelarts_endpoint("cn-noth-4"), None);
        assert_eq!(modelarts_endpoint("eu-de"), None);
    }

    // Source: PyPI huaweicloudsdkiam 3.1.219, v3/region/iam_region.py.
    #[test]
    fn iam_table_is_the_sdks() {
        assert_eq!(IAM_ENDPOINTS.len(), 28);
        assert_eq!(
            iam_endpoint("ap-southeast-1"),
            Some("https://iam.ap-southeast-1.myhuaweicloud.com")
        );
        assert_eq!(
            iam_endpoint("eu-west-101"),
            Some("https://iam.eu-west-101.myhuaweicloud.eu")
        );
        // ModelArts regions the IAM table does not list: the global endpoint
        // (IAM API reference, "Before You Start": iam.myhuaweicloud.com).
        for region in ["cn-southwest-3", "af-north-1", "cn-north-11"] {
            assert!(modelarts_endpoint(region).is_some());
            assert!(!IAM_ENDPOINTS.iter().any(|(r, _)| *r == region));
            assert_eq!(iam_endpoint(region), Some("https://iam.myhuaweicloud.com"));
        }
        // Outside both tables: nothing to derive.
        assert_eq!(iam_endpoint("eu-de"), None);
    }

    #[test]
    fn tables_list_each_region_once() {
        for table in [&MODELARTS_ENDPOINTS[..], &IAM_ENDPOINTS[..]] {
            let mut regions: Vec<_> = table.iter().map(|(r, _)| *r).collect();
            regions.sort_unstable();
            regions.dedup();
            assert_eq!(regions.len(), table.len());
        }
    }

    #[test]
    fn closest_suggests_typos_only() {
        let t = &MODELARTS_ENDPOINTS[..];
        assert_eq!(closest(t, "cn-noth-4"), Some("cn-north-4"));
        assert_eq!(closest(t, "cn-north4"), Some("cn-north-4"));
        assert_eq!(closest(t, "cn-nrth-1"), Some("cn-north-1"));
        assert_eq!(closest(t, "ap-southeast-5"), Some("ap-southeast-1"));
        assert_eq!(closest(t, "eu-de"), None);
        assert_eq!(closest(t, "x"), None);
        assert_eq!(closest(t, ""), None);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("cn-north-4", "cn-noth-4"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }

    #[test]
    fn known_is_sorted() {
        let k = known(&MODELARTS_ENDPOINTS);
        assert!(
            k.starts_with("af-north-1, af-south-1, ap-southeast-1"),
            "{k}"
        );
        assert_eq!(k.split(", ").count(), 22);
    }
}
