//! Qianfan payloads → the provider-neutral model.
//!
//! Pure functions over DTOs: no I/O, tested on the seed example in `map/tests.rs`.

use crate::model::{ComputeUnit, Service};
use crate::quantity;

pub use crate::providers::mapping::MapError;

use super::dto::{InstanceDto, ServiceDto, StatusDto};
use crate::dates;

#[cfg(test)]
mod tests;

/// One instance of `DescribeComputeUnits` for `service_id`. `requested_timing` is
/// the `paymentTiming` filter the request carried: it names the instance's payment
/// timing when the instance itself does not.
pub fn map_instance(
    service_id: &str,
    dto: &InstanceDto,
    requested_timing: Option<&str>,
) -> Result<ComputeUnit, MapError> {
    let instance_id = dto
        .instance_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| MapError {
            context: format!("service {service_id}"),
            reason: "a compute unit instance has no instanceId".into(),
        })?;
    let field = |name: &str| format!("service {service_id} instance {instance_id} {name}");
    let replicas = match &dto.replicas_count {
        None => None,
        Some(raw) => quantity::parse(raw).map_err(|e| MapError {
            context: field("replicasCount"),
            reason: e.to_string(),
        })?,
    };
    Ok(ComputeUnit {
        service_id: service_id.to_string(),
        instance_id: instance_id.to_string(),
        payment_timing: dto
            .payment_timing
            .as_deref()
            .filter(|t| !t.is_empty())
            .or(requested_timing)
            .unwrap_or_default()
            .to_string(),
        status: dto.status.as_ref().map(status_name).unwrap_or_default(),
        replicas,
        start_timestamp: timestamp(dto.start_time.as_deref(), || field("startTime"))?,
        expiry_timestamp: timestamp(dto.expired_time.as_deref(), || field("expiredTime"))?,
    })
}

/// A service from `DescribeServices` or `DescribePresetServices`.
pub fn map_service(dto: &ServiceDto) -> Result<Service, MapError> {
    let id = dto
        .service_id
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| MapError {
            context: format!("service {:?}", dto.name.as_deref().unwrap_or_default()),
            reason: "has no serviceId".into(),
        })?;
    Ok(Service {
        id: id.to_string(),
        name: dto.name.clone().unwrap_or_default(),
    })
}

/// The documented numeric states (`1:Creating 2:Running 3:Deleted`) by name, so the
/// `status` label has one spelling whichever form the upstream sends.
fn status_name(s: &StatusDto) -> String {
    match s {
        StatusDto::Name(n) => n.clone(),
        StatusDto::Code(1) => "Creating".into(),
        StatusDto::Code(2) => "Running".into(),
        StatusDto::Code(3) => "Deleted".into(),
        StatusDto::Code(n) => n.to_string(),
    }
}

/// An optional RFC 3339 time. Empty (an instance still `Creating`) or absent gives
/// no value, hence no series.
fn timestamp(raw: Option<&str>, context: impl FnOnce() -> String) -> Result<Option<f64>, MapError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => dates::parse_rfc3339(s).map(Some).map_err(|e| MapError {
            context: context(),
            reason: e.to_string(),
        }),
    }
}
