//! Simulated Baidu Qianfan management API: `POST /v2/service?Action=…` (service
//! discovery) and `POST /v2/serviceresources?Action=DescribeComputeUnits`, each
//! bce-auth-v1 verified over the request exactly as received, as the cloud does
//! (unknown key, bad signature and expired timestamp get Baidu's error codes).
//! `/v2/computeunit` (the account-wide listing) is claimed but not simulated.
//!
//! Data: three custom services of protocol version 1 and one of protocol
//! version 2 (DescribeServices lists each version's only when asked for it, and
//! pages them by `marker`, at most `page_cap` per page), two preset services,
//! and their compute units — the seed's
//! example instance, a Postpaid unit whose start is given in China time, an instance
//! still `Creating` (empty times) and services without units. Two service ids are
//! not listed but answer with errors inside an HTTP 200, one in each shape the SDKs
//! know: `svco-forbidden` (`{error_code: 6, error_msg}`, no permission) and any
//! unknown id (`{requestId, code, message}`). One more unlisted service,
//! `svco-malformed` (reachable only through `service_ids`, so the demo stays
//! clean), answers with compute units some of which do not decode: a good one
//! beside a `replicasCount` of `"abc"` and of `"-1"`, an `expiredTime` that is
//! no time, one without `instanceId` and a list element that is no object.

use serde_json::{json, Value};

use super::{bce_error, request_id, verify_bce, Options, Platform, SimRequest, SimResponse};

pub const ROUTE_SERVICE: &str = "/v2/service";
pub const ROUTE_SERVICE_RESOURCES: &str = "/v2/serviceresources";
pub const ROUTE_COMPUTE_UNIT: &str = "/v2/computeunit";

/// The seed's DescribeComputeUnits answer, for its service.
const SEED: &str = include_str!("../fixtures/qianfan_compute_units.json");
pub const SEED_SERVICE: &str = "svco-48exxxa594";

/// Lists of at most this many items whatever `maxKeys` asks (as documented).
const MAX_KEYS: u64 = 100;
/// `maxKeys` when the request gives none (as documented).
const DEFAULT_MAX_KEYS: u64 = 10;

/// A service that exists but the demo credentials may not read.
pub const FORBIDDEN_SERVICE: &str = "svco-forbidden";
/// A service, not listed by discovery, whose compute units include malformed
/// ones (the exporter must drop each, or lose its field, alone).
pub const MALFORMED_SERVICE: &str = "svco-malformed";

/// A custom service made under protocol version 2: listed by DescribeServices
/// only when the body asks for `"protocolVersion": 2`.
pub const PROTOCOL_2_SERVICE: &str = "svco-v2chat05";

pub struct Qianfan {
    opts: Options,
    /// Custom services made under protocol version 1 (the default).
    custom: Vec<Value>,
    /// Custom services made under protocol version 2.
    custom_v2: Vec<Value>,
    preset: Vec<Value>,
    /// (service id, its instances).
    units: Vec<(String, Vec<Value>)>,
}

impl Qianfan {
    pub fn new(opts: Options) -> Self {
        let seed: Value = serde_json::from_str(SEED).unwrap_or(Value::Null);
        let seed_units = seed["result"]["instances"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let service = |id: &str, name: &str, status: &str| {
            json!({"serviceId": id, "serviceUuid": format!("uuid-{id}"), "name": name,
                   "runStatus": status, "chargeType": "ComputingUnit",
                   "createTime": "2024-03-28T09:12:00Z"})
        };
        Qianfan {
            opts,
            custom: vec![
                service(SEED_SERVICE, "ernie-speed-sft", "Serving"),
                service("svco-7k2mchat01", "support-bot", "Serving"),
                service("svco-9q4embed03", "embedding-idle", "Stopped"),
            ],
            custom_v2: vec![service(PROTOCOL_2_SERVICE, "support-bot-v2", "Serving")],
            preset: vec![
                json!({"serviceId": "svcp-ernie40demo", "name": "ERNIE-4.0-8K",
                       "url": "https://qianfan.baidubce.com/v2/chat/completions",
                       "apiType": "chat", "chargeStatus": "OPENED"}),
                json!({"serviceId": "svcp-speeddemo", "name": "ERNIE-Speed-8K",
                       "url": "https://qianfan.baidubce.com/v2/chat/completions",
                       "apiType": "chat", "chargeStatus": "OPENED"}),
            ],
            units: vec![
                (SEED_SERVICE.into(), seed_units),
                (
                    "svco-7k2mchat01".into(),
                    vec![
                        json!({"instanceId": "cu-support-01", "paymentTiming": "Postpaid",
                               "replicasCount": 2, "status": "Running",
                               "startTime": "2025-03-01T18:00:00+08:00", "expiredTime": ""}),
                        json!({"instanceId": "cu-support-02", "paymentTiming": "Prepaid",
                               "replicasCount": 3, "status": "Creating",
                               "startTime": "", "expiredTime": ""}),
                    ],
                ),
                ("svco-9q4embed03".into(), Vec::new()),
                (
                    PROTOCOL_2_SERVICE.into(),
                    vec![
                        json!({"instanceId": "cu-v2chat-01", "paymentTiming": "Prepaid",
                               "replicasCount": 5, "status": "Running",
                               "startTime": "2025-09-01T00:00:00+08:00",
                               "expiredTime": "2031-09-01T00:00:00+08:00"}),
                    ],
                ),
                (
                    "svcp-ernie40demo".into(),
                    vec![
                        json!({"instanceId": "cu-ernie40-01", "paymentTiming": "Prepaid",
                                "replicasCount": 4, "status": "Running",
                                "startTime": "2025-06-01T00:00:00+08:00",
                                "expiredTime": "2030-06-01T00:00:00+08:00"}),
                    ],
                ),
                ("svcp-speeddemo".into(), Vec::new()),
                (
                    MALFORMED_SERVICE.into(),
                    vec![
                        json!({"instanceId": "cu-mal-good", "paymentTiming": "Prepaid",
                               "replicasCount": 6, "status": "Running",
                               "startTime": "2025-01-01T00:00:00Z",
                               "expiredTime": "2026-01-01T00:00:00Z"}),
                        json!({"instanceId": "cu-mal-replicas", "paymentTiming": "Prepaid",
                               "replicasCount": "abc", "status": "Running",
                               "startTime": "2025-02-01T08:00:00+08:00",
                               "expiredTime": "2026-02-01T08:00:00+08:00"}),
                        json!({"instanceId": "cu-mal-negative", "paymentTiming": "Prepaid",
                               "replicasCount": "-1", "status": "Running",
                               "startTime": "", "expiredTime": ""}),
                        json!({"instanceId": "cu-mal-time", "paymentTiming": "Prepaid",
                               "replicasCount": 1, "status": "Running",
                               "startTime": "2025-01-01T00:00:00Z",
                               "expiredTime": "next Tuesday"}),
                        json!({"paymentTiming": "Prepaid", "replicasCount": 2,
                               "status": "Running"}),
                        json!("not an instance"),
                    ],
                ),
            ],
        }
    }

    fn answer(&self, route: &str, req: &SimRequest) -> SimResponse {
        if let Err(resp) = verify_bce(req) {
            return resp;
        }
        if req.method != "POST" {
            return bce_error(405, "MethodNotAllowed", "only POST is supported");
        }
        let body: Value = if req.body.is_empty() {
            json!({})
        } else {
            match serde_json::from_slice(&req.body) {
                Ok(v @ Value::Object(_)) => v,
                _ => return bce_error(400, "MalformedJSON", "the body is not a JSON object"),
            }
        };
        let Some(action) = req.param("Action") else {
            return bce_error(400, "MissingParameter", "Action is required");
        };
        match (route, action) {
            (ROUTE_SERVICE, "DescribeServices") => self.describe_services(&body),
            (ROUTE_SERVICE, "DescribePresetServices") => self.preset_services(&body),
            (ROUTE_SERVICE_RESOURCES, "DescribeComputeUnits") => self.compute_units(&body),
            (_, other) => bce_error(
                400,
                "InvalidAction",
                &format!("action {other:?} is not simulated on {route}"),
            ),
        }
    }

    /// Marker paging: `marker` is the id of the first service of the page.
    /// `protocolVersion` 1 (or none, the default) lists the protocol-1
    /// services, 2 the protocol-2 ones, as the doc page "获取定制服务列表"
    /// describes; anything else is refused.
    fn describe_services(&self, body: &Value) -> SimResponse {
        let custom = match &body["protocolVersion"] {
            Value::Null => &self.custom,
            v => match v.as_u64() {
                Some(1) => &self.custom,
                Some(2) => &self.custom_v2,
                _ => return bce_error(400, "InvalidParameter", "protocolVersion must be 1 or 2"),
            },
        };
        let max_keys = match &body["maxKeys"] {
            Value::Null => DEFAULT_MAX_KEYS,
            v => match v.as_u64() {
                Some(n) => n,
                None => return bce_error(400, "InvalidParameter", "maxKeys must be an integer"),
            },
        };
        let size = max_keys.clamp(1, MAX_KEYS.min(self.opts.page_cap.max(1))) as usize;
        let marker = body["marker"].as_str().unwrap_or("");
        let start = if marker.is_empty() {
            0
        } else {
            match custom.iter().position(|s| s["serviceId"] == marker) {
                Some(i) => i,
                None => return bce_error(400, "InvalidMarker", &format!("no service {marker:?}")),
            }
        };
        let end = (start + size).min(custom.len());
        let next = custom.get(end).map(|s| s["serviceId"].clone());
        ok(json!({
            "pageInfo": {
                "marker": marker,
                "maxKeys": size,
                "isTruncated": next.is_some(),
                "nextMarker": next.unwrap_or_else(|| json!("")),
            },
            "serviceList": custom[start..end],
        }))
    }

    /// All preset services, or those whose ids `serviceIds` lists.
    fn preset_services(&self, body: &Value) -> SimResponse {
        let list: Vec<&Value> = match body["serviceIds"].as_array() {
            None => self.preset.iter().collect(),
            Some(ids) => self
                .preset
                .iter()
                .filter(|s| ids.contains(&s["serviceId"]))
                .collect(),
        };
        ok(json!({"serviceList": list}))
    }

    fn compute_units(&self, body: &Value) -> SimResponse {
        let Some(service_id) = body["serviceId"].as_str().filter(|s| !s.is_empty()) else {
            return bce_error(400, "MissingParameter", "serviceId is required");
        };
        let timing = match &body["paymentTiming"] {
            Value::Null => None,
            Value::String(t) if t == "Prepaid" || t == "Postpaid" => Some(t.as_str()),
            _ => {
                return bce_error(
                    400,
                    "InvalidParameter",
                    "paymentTiming must be Prepaid or Postpaid",
                )
            }
        };
        if service_id == FORBIDDEN_SERVICE {
            return SimResponse::json(
                200,
                &json!({"error_code": 6, "error_msg": "No permission to access data"}),
            );
        }
        let Some((_, instances)) = self.units.iter().find(|(id, _)| id == service_id) else {
            return SimResponse::json(
                200,
                &json!({"requestId": request_id(), "code": "ServiceNotFound",
                        "message": format!("service {service_id} does not exist")}),
            );
        };
        let instances: Vec<&Value> = instances
            .iter()
            .filter(|i| timing.is_none_or(|t| i["paymentTiming"] == t))
            .collect();
        ok(json!({"instances": instances}))
    }
}

impl Platform for Qianfan {
    fn handle(&self, req: &SimRequest) -> Option<SimResponse> {
        match req.path.as_str() {
            route @ (ROUTE_SERVICE | ROUTE_SERVICE_RESOURCES) => Some(self.answer(route, req)),
            ROUTE_COMPUTE_UNIT => Some(match verify_bce(req) {
                Err(resp) => resp,
                Ok(()) => bce_error(400, "InvalidAction", "/v2/computeunit is not simulated"),
            }),
            _ => None,
        }
    }

    fn expired(&self, req: &SimRequest) -> Option<SimResponse> {
        matches!(
            req.path.as_str(),
            ROUTE_SERVICE | ROUTE_SERVICE_RESOURCES | ROUTE_COMPUTE_UNIT
        )
        .then(|| {
            bce_error(
                400,
                "RequestExpired",
                "the signature has expired (injected)",
            )
        })
    }
}

fn ok(result: Value) -> SimResponse {
    SimResponse::json(200, &json!({"requestId": request_id(), "result": result}))
}
