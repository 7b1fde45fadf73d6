//! Qianfan payloads → the provider-neutral model.
//!
//! Pure functions over DTOs: no I/O, tested on the seed example in `map/tests.rs`.
//! Decoding is per object, so one bad object costs only itself: an element that is
//! not an object, or whose id is missing or empty, is dropped alone; a malformed
//! field (replicas, a time, a label) loses only itself. Each loss is recorded in
//! the [`DecodeLog`].

use serde_json::Value;

use crate::model::{ComputeUnit, Service};
use crate::providers::upstream::decode::{DecodeLog, Lenient};
use crate::quantity::RawQuantity;

use super::dto::API_COMPUTE_UNITS;
use super::dto::{InstanceDto, ServiceDto, StatusDto, Text};
use crate::dates;

#[cfg(test)]
mod tests;

/// The compute unit instances of one `DescribeComputeUnits` answer for
/// `service_id`, in the order given, without the ones that did not decode.
pub fn map_instances(
    service_id: &str,
    items: Vec<Lenient<InstanceDto>>,
    requested_timing: Option<&str>,
    log: &mut DecodeLog,
) -> Vec<ComputeUnit> {
    let kind = format!("service {service_id} instance");
    let positions = decoded_positions(&items);
    log.keep_decoded(API_COMPUTE_UNITS, &kind, "instanceId", items)
        .iter()
        .zip(positions)
        .filter_map(|(dto, i)| map_instance(service_id, i, dto, requested_timing, log))
        .collect()
}

/// One instance of `DescribeComputeUnits` for `service_id` (`position` in its
/// list names it when its id is unreadable). `requested_timing` is the
/// `paymentTiming` filter the request carried: it names the instance's payment
/// timing when the instance itself does not. `None` (recorded) for an instance
/// without an `instanceId`.
pub fn map_instance(
    service_id: &str,
    position: usize,
    dto: &InstanceDto,
    requested_timing: Option<&str>,
    log: &mut DecodeLog,
) -> Option<ComputeUnit> {
    let api = API_COMPUTE_UNITS;
    let Some(instance_id) = dto
        .instance_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
    else {
        log.drop_object(
            api,
            format!("service {service_id} instance #{position}"),
            "no instanceId",
        );
        return None;
    };
    let object = format!("service {service_id} instance {instance_id}");
    let object = object.as_str();
    let payment_timing = text(
        log,
        api,
        object,
        "paymentTiming",
        dto.payment_timing.as_ref(),
    )
    .filter(|t| !t.is_empty())
    .or(requested_timing.map(str::to_string))
    .unwrap_or_default();
    Some(ComputeUnit {
        service_id: service_id.to_string(),
        instance_id: instance_id.to_string(),
        payment_timing,
        status: status_name(log, object, dto.status.as_ref()),
        // A replica count below 0 ("-1") is no count: refused, not exported.
        replicas: log.amount(api, object, "replicasCount", dto.replicas_count.as_ref()),
        start_timestamp: timestamp(log, object, "startTime", dto.start_time.as_ref()),
        expiry_timestamp: timestamp(log, object, "expiredTime", dto.expired_time.as_ref()),
    })
}

/// The services of one `DescribeServices` page or `DescribePresetServices`
/// answer (`api`), without the ones that did not decode or have no id.
pub fn map_services(
    api: &str,
    items: Vec<Lenient<ServiceDto>>,
    log: &mut DecodeLog,
) -> Vec<Service> {
    let positions = decoded_positions(&items);
    log.keep_decoded(api, "service", "serviceId", items)
        .iter()
        .zip(positions)
        .filter_map(|(dto, i)| map_service(api, i, dto, log))
        .collect()
}

/// The list positions of the elements that decoded, so an object dropped
/// later (no id) is named by where it stood in the upstream's list.
fn decoded_positions<T>(items: &[Lenient<T>]) -> Vec<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, item)| matches!(item, Lenient::Ok(_)))
        .map(|(i, _)| i)
        .collect()
}

/// A service from `DescribeServices` or `DescribePresetServices`; `None`
/// (recorded) when it has no `serviceId`.
pub fn map_service(
    api: &str,
    position: usize,
    dto: &ServiceDto,
    log: &mut DecodeLog,
) -> Option<Service> {
    let Some(id) = dto
        .service_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
    else {
        // The name, when readable, helps find it in the console.
        let name = match &dto.name {
            Some(Text::Str(n)) => format!(" {n:?}"),
            _ => String::new(),
        };
        log.drop_object(api, format!("service #{position}{name}"), "no serviceId");
        return None;
    };
    let object = format!("service {id}");
    Some(Service {
        id: id.to_string(),
        name: text(log, api, &object, "name", dto.name.as_ref()).unwrap_or_default(),
    })
}

/// Records `field` of `object` as unreadable. The shared reasons are about
/// numbers; a string field (a time, a label) that cannot be read counts as
/// `not_a_number`, the reason for "this value is not what belongs here". The
/// value goes in as JSON, which [`DecodeLog::number`] always refuses with that
/// reason.
fn unreadable(log: &mut DecodeLog, api: &str, object: &str, field: &str, value: Value) {
    let refused = log.number(api, object, field, Some(&RawQuantity::Other(value)));
    debug_assert!(refused.is_none());
}

/// A string field; `None` when absent, and (recorded) when not a string.
fn text(
    log: &mut DecodeLog,
    api: &str,
    object: &str,
    field: &str,
    raw: Option<&Text>,
) -> Option<String> {
    match raw? {
        Text::Str(s) => Some(s.clone()),
        Text::Other(v) => {
            unreadable(log, api, object, field, v.clone());
            None
        }
    }
}

/// The documented numeric states (`1:Creating 2:Running 3:Deleted`) by name, so the
/// `status` label has one spelling whichever form the upstream sends; "" when
/// absent or (recorded) unreadable.
fn status_name(log: &mut DecodeLog, object: &str, s: Option<&StatusDto>) -> String {
    match s {
        None => String::new(),
        Some(StatusDto::Name(n)) => n.clone(),
        Some(StatusDto::Code(1)) => "Creating".into(),
        Some(StatusDto::Code(2)) => "Running".into(),
        Some(StatusDto::Code(3)) => "Deleted".into(),
        Some(StatusDto::Code(n)) => n.to_string(),
        Some(StatusDto::Other(v)) => {
            unreadable(log, API_COMPUTE_UNITS, object, "status", v.clone());
            String::new()
        }
    }
}

/// An optional RFC 3339 time. Empty (an instance still `Creating`) or absent gives
/// no value, hence no series; an unparseable one (recorded) likewise, and only
/// that time is lost.
fn timestamp(log: &mut DecodeLog, object: &str, field: &str, raw: Option<&Text>) -> Option<f64> {
    let s = text(log, API_COMPUTE_UNITS, object, field, raw)?;
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match dates::parse_rfc3339(s) {
        // A time is finite by construction; checked so no NaN can ever pass.
        Ok(t) if t.is_finite() => Some(t),
        _ => {
            unreadable(
                log,
                API_COMPUTE_UNITS,
                object,
                field,
                Value::String(s.to_string()),
            );
            None
        }
    }
}
