//! The exporter config that polls this simulator: one account per simulated API,
//! with the [`credentials`] it accepts. `aipool_exporter demo` runs the exporter
//! on it; the end-to-end tests start from it.

use std::time::Duration;

use crate::credentials;

/// The exporter config for a simulator at `sim` (host:port): one account per
/// simulated API, polled every `interval`, serving on `listen`.
pub fn config_toml(sim: &str, listen: &str, interval: Duration) -> String {
    let interval = humantime::format_duration(interval);
    format!(
        r#"
[web]
listen_address = "{listen}"

[[accounts]]
name = "aihc-console-demo"
provider = "aihc"
api = "console"
region = "bj"
endpoint = "http://{sim}/api/aihc/aihc-service"
interval = "{interval}"
timeout = "5s"
pool_types = ["common", "serverless"]
cookie = "{cookie}"

[[accounts]]
name = "aihc-openapi-demo"
provider = "aihc"
api = "openapi"
region = "bj"
endpoint = "http://{sim}"
interval = "{interval}"
timeout = "5s"
pool_types = ["common", "dedicatedV2"]
access_key_id = "{ak}"
secret_access_key = "{sk}"

[[accounts]]
name = "qianfan-demo"
provider = "qianfan"
endpoint = "http://{sim}"
interval = "{interval}"
timeout = "5s"
access_key_id = "{ak}"
secret_access_key = "{sk}"

[[accounts]]
name = "modelarts-demo"
provider = "modelarts"
region = "{ma_region}"
endpoint = "http://{sim}"
project_id = "{ma_project}"
interval = "{interval}"
timeout = "5s"
access_key_id = "{hw_ak}"
secret_access_key = "{hw_sk}"

[[accounts]]
name = "sugon-demo"
provider = "sugon"
endpoint = "http://{sim}"
interval = "{interval}"
timeout = "5s"
user = "{sugon_user}"
password = "{sugon_password}"
org_id = "{sugon_org}"
"#,
        cookie = credentials::AIHC_CONSOLE_COOKIE,
        ak = credentials::BCE_ACCESS_KEY_ID,
        sk = credentials::BCE_SECRET_ACCESS_KEY,
        ma_region = credentials::MODELARTS_REGION,
        ma_project = credentials::MODELARTS_PROJECT_ID,
        hw_ak = credentials::HUAWEI_ACCESS_KEY_ID,
        hw_sk = credentials::HUAWEI_SECRET_ACCESS_KEY,
        sugon_user = credentials::SUGON_USER,
        sugon_password = credentials::SUGON_PASSWORD,
        sugon_org = credentials::SUGON_ORG_ID,
    )
}
