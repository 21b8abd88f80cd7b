//! Clearance channels: the employee store (员工内购) with per-employee purchase limits and
//! its own price list, and the outlet channel's directed allocation of slow movers. Intake
//! calls [`check_order`] before routing; the pure rules are in `shared::clearance`, the
//! limits and the price list are HQ configuration (versioned; each purchase records the
//! versions it was checked under).

use super::campaigns::stock_control;
use super::text::check;
use super::{ErrorKind, ServiceError};
use crate::storage::campaigns as store;
use crate::storage::{catalogue, Tx};
use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use shared::clearance::{
    order_totals, price_problem, slow_movers, EmployeePriceList, EmployeePrices, LimitPeriod, SlowMover,
};
use shared::order::{Channel, ChannelOrderInput};
use shared::Fen;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Name of the employee price list's versioned document.
const PRICES: &str = "employee_prices";
/// Most prices one list holds.
const MAX_PRICES: usize = 100_000;

fn internal(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::new(ErrorKind::Internal, "internal", e.to_string())
}

/// The start (Unix ms) of the limit period `now` falls in, in time zone `zone`.
pub fn period_start(period: LimitPeriod, zone: &str, now: i64) -> Result<i64, ServiceError> {
    let tz = chrono_tz::Tz::from_str(zone).map_err(|_| internal(format!("time zone {zone}")))?;
    let local = tz.timestamp_millis_opt(now).single().ok_or_else(|| internal("time out of range"))?.date_naive();
    let first: NaiveDate = match period {
        LimitPeriod::Day => local,
        LimitPeriod::Week => local - Duration::days(i64::from(local.weekday().num_days_from_monday())),
        LimitPeriod::Month => local.with_day(1).ok_or_else(|| internal("no first of month"))?,
    };
    let midnight = first.and_hms_opt(0, 0, 0).ok_or_else(|| internal("no midnight"))?;
    // A zone whose midnight falls in a gap starts the day at the first instant that exists.
    let start = tz
        .from_local_datetime(&midnight)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(midnight + Duration::hours(1))).earliest())
        .ok_or_else(|| internal("no local midnight"))?;
    Ok(start.timestamp_millis())
}

/// Checks an employee-store order, and records it toward the employee's limits (in the same
/// transaction: call it once per new order). For the employee store: `employee_id` must name
/// an active staff member (422 `unknown_employee`); every line must be at the employee price
/// list's price with no discount (422 `employee_price_mismatch`); the employee's units in
/// all, units per SKU and spend this period must stay within HQ's limits (409
/// `employee_limit_reached`). Other channels: `employee_id` must be absent, nothing else.
pub fn check_order(tx: &mut dyn Tx, input: &ChannelOrderInput, now: i64) -> Result<(), ServiceError> {
    if input.channel != Channel::EmployeeStore {
        if input.employee_id.is_some() {
            return Err(ServiceError::invalid("invalid_field", "employee_id is only for the employee_store channel"));
        }
        return Ok(());
    }
    let Some(employee) = input.employee_id.as_deref() else {
        return Err(ServiceError::invalid("employee_required", "employee_store orders name the buyer in employee_id"));
    };
    check("employee_id", employee, shared::text::STAFF_ID)?;
    match catalogue::staff(tx, employee)? {
        Some((_, s)) if s.active => {}
        _ => return Err(ServiceError::invalid("unknown_employee", format!("no active staff member {employee}"))),
    }
    let prices_version = store::latest_version(tx, PRICES)?.map_or(0, |v| v.0);
    let mut prices = BTreeMap::new();
    for l in &input.lines {
        if let Some(p) = store::employee_price(tx, &l.sku_code)? {
            prices.insert(l.sku_code.clone(), Fen(p));
        }
    }
    for l in &input.lines {
        if let Some(problem) = price_problem(&prices, l) {
            return Err(ServiceError::invalid("employee_price_mismatch", problem));
        }
    }
    let settings = stock_control(tx)?;
    let policy = &settings.policy.employee_store;
    let start = period_start(policy.period, &policy.time_zone, now)?;
    let (units, spend) = order_totals(&input.lines);
    let spend = spend.ok_or_else(|| ServiceError::invalid("invalid_price", "the order's total overflows"))?;
    let total_units: i64 = units.values().sum();
    let limit = |what: String| {
        ServiceError::conflict("employee_limit_reached", format!("{employee} {what} this {:?} period", policy.period))
    };
    if !store::add_employee_usage(
        tx,
        employee,
        start,
        total_units,
        spend.0,
        i64::from(policy.max_units_per_period),
        policy.max_spend_per_period.0,
    )? {
        let (u, s) = store::employee_usage(tx, employee, start)?;
        return Err(limit(format!(
            "has bought {u} units for {s} fen; {total_units} more units for {} fen would pass the limits of {} units and {} fen",
            spend.0, policy.max_units_per_period, policy.max_spend_per_period.0
        )));
    }
    for (sku, q) in &units {
        if !store::add_employee_sku_usage(tx, employee, start, sku, *q, i64::from(policy.max_units_per_sku))? {
            let u = store::employee_sku_usage(tx, employee, start, sku)?;
            return Err(limit(format!(
                "has bought {u} of {sku}; {q} more would pass the limit of {} per SKU",
                policy.max_units_per_sku
            )));
        }
    }
    store::insert_employee_purchase(
        tx,
        employee,
        &input.channel_order_id,
        start,
        total_units,
        spend.0,
        settings.version,
        prices_version,
        now,
    )?;
    Ok(())
}

/// The employee price list in force.
pub fn employee_prices(tx: &mut dyn Tx) -> Result<EmployeePrices, ServiceError> {
    Ok(match store::latest_version(tx, PRICES)? {
        Some((version, json, set_ms)) => {
            let list: EmployeePriceList = serde_json::from_str(&json).map_err(internal)?;
            EmployeePrices { version, updated_ms: set_ms, prices: list.prices }
        }
        None => EmployeePrices { version: 0, updated_ms: 0, prices: Vec::new() },
    })
}

/// Replaces the employee price list, as version n+1: every SKU must exist, once, at a price
/// of 0 or more.
pub fn set_employee_prices(
    tx: &mut dyn Tx,
    list: &EmployeePriceList,
    now: i64,
) -> Result<EmployeePrices, ServiceError> {
    if list.prices.len() > MAX_PRICES {
        return Err(ServiceError::invalid("too_many_rows", format!("at most {MAX_PRICES} prices")));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, p) in list.prices.iter().enumerate() {
        check(&format!("prices[{i}].sku_code"), &p.sku_code, shared::text::SKU_CODE)?;
        if p.price.0 < 0 {
            return Err(ServiceError::invalid("invalid_price", format!("prices[{i}].price must not be negative")));
        }
        if !seen.insert(p.sku_code.as_str()) {
            return Err(ServiceError::invalid("duplicate_sku", format!("{} is listed twice", p.sku_code)));
        }
        if !catalogue::sku_exists(tx, &p.sku_code)? {
            return Err(ServiceError::invalid("unknown_sku", format!("unknown SKU {}", p.sku_code)));
        }
    }
    let mut prices = list.prices.clone();
    prices.sort_by(|a, b| a.sku_code.cmp(&b.sku_code));
    let rows: Vec<(String, i64)> = prices.iter().map(|p| (p.sku_code.clone(), p.price.0)).collect();
    store::replace_employee_prices(tx, &rows)?;
    let json = serde_json::to_string(&EmployeePriceList { prices: prices.clone() }).map_err(internal)?;
    let version = store::store_version(tx, PRICES, &json, now)?;
    Ok(EmployeePrices { version, updated_ms: now, prices })
}

/// The slow movers HQ's outlet policy picks now.
pub fn outlet_candidates(tx: &mut dyn Tx, now: i64) -> Result<Vec<SlowMover>, ServiceError> {
    let policy = stock_control(tx)?.policy.outlet;
    let activity = store::sku_activity(tx, i64::from(policy.min_on_hand))?;
    Ok(slow_movers(&activity, &policy, now))
}

/// Directs the slow movers to the outlet channel: they become an allocation rule that shares
/// them to the outlet alone (`service::allocation::direct_to_channel`), recorded with the
/// policy version used. Answers the SKUs directed.
pub fn direct_to_outlet(tx: &mut dyn Tx, now: i64) -> Result<Vec<SlowMover>, ServiceError> {
    let version = stock_control(tx)?.version;
    let picked = outlet_candidates(tx, now)?;
    let skus: Vec<String> = picked.iter().map(|s| s.sku_code.clone()).collect();
    super::allocation::direct_to_channel(tx, Channel::Outlet, &skus, "slow movers (outlet policy)", now)?;
    let json = serde_json::to_string(&skus).map_err(internal)?;
    store::insert_outlet_direction(tx, &json, version, now)?;
    Ok(picked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_at_local_midnight() {
        // 2026-11-11 15:00 UTC = 23:00 in Shanghai, a Wednesday.
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 11, 15, 0, 0).unwrap().timestamp_millis();
        let at = |y, m, d, h| chrono::Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().timestamp_millis();
        assert_eq!(period_start(LimitPeriod::Day, "Asia/Shanghai", now).unwrap(), at(2026, 11, 10, 16));
        assert_eq!(period_start(LimitPeriod::Week, "Asia/Shanghai", now).unwrap(), at(2026, 11, 8, 16));
        assert_eq!(period_start(LimitPeriod::Month, "Asia/Shanghai", now).unwrap(), at(2026, 10, 31, 16));
        assert_eq!(period_start(LimitPeriod::Day, "UTC", now).unwrap(), at(2026, 11, 11, 0));
    }
}
