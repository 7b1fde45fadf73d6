//! How AIHC's (Baidu's) error answers read.

use reqwest::StatusCode;

use super::Aihc;
use crate::providers::upstream::Reason;
use crate::providers::Platform;

/// bce-auth-v1's refusals are `auth` whatever status carries them, and only
/// a signature found too old is worth signing anew.
#[test]
fn bce_refusals_are_auth() {
    let errors = &Aihc::ERRORS;
    let s = |n| StatusCode::from_u16(n).unwrap();
    assert_eq!(
        errors.classify(s(400), Some("RequestExpired")),
        Reason::Auth
    );
    assert_eq!(
        errors.classify(s(400), Some("SignatureDoesNotMatch")),
        Reason::Auth
    );
    assert_eq!(
        errors.classify(s(500), Some("InternalError")),
        Reason::Http5xx
    );
    assert!(errors.resign_cures(Some("RequestExpired")));
    assert!(!errors.resign_cures(Some("AccessDenied")));
    assert_eq!(
        (errors.read)(br#"{"requestId":"r","code":"AccessDenied","message":"no"}"#),
        (Some("AccessDenied".into()), Some("no".into()))
    );
}
