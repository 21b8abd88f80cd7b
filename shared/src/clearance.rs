//! Clearance channels: the employee store (员工内购) and the outlet channel (奥莱/折扣).
//!
//! The employee store sells at HQ's own employee price list only (a line at any other price,
//! or with a discount on top, is refused) and within per-employee purchase limits per period
//! (units in all, units of one SKU, spend), counted in the period of HQ's time zone. The
//! outlet channel receives a directed allocation of slow movers: SKUs the network has not
//! sold for a while yet still holds plenty of ([`slow_movers`]); the allocation itself is a
//! channel allocation strategy (`service::allocation`).

use crate::order::OrderLineInput;
use crate::Fen;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The length of an employee's purchase-limit period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LimitPeriod {
    /// A calendar day.
    Day,
    /// A calendar week, Monday to Sunday.
    Week,
    /// A calendar month.
    #[default]
    Month,
}

/// The employee store's purchase limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmployeeStorePolicy {
    /// The period limits count over.
    #[serde(default)]
    pub period: LimitPeriod,
    /// IANA time zone the period's calendar is read in.
    #[serde(default = "default_zone")]
    pub time_zone: String,
    /// Most units one employee buys per period, all SKUs together.
    pub max_units_per_period: u32,
    /// Most units of one SKU one employee buys per period.
    pub max_units_per_sku: u32,
    /// Most one employee spends per period, in fen.
    pub max_spend_per_period: Fen,
}

fn default_zone() -> String {
    "Asia/Shanghai".into()
}

impl Default for EmployeeStorePolicy {
    fn default() -> Self {
        EmployeeStorePolicy {
            period: LimitPeriod::Month,
            time_zone: default_zone(),
            max_units_per_period: 20,
            max_units_per_sku: 3,
            max_spend_per_period: Fen(500_000),
        }
    }
}

impl EmployeeStorePolicy {
    /// Checks the numbers (the time zone is checked where zones are known).
    pub fn check(&self) -> Result<(), String> {
        if self.max_units_per_sku > self.max_units_per_period {
            return Err("employee_store.max_units_per_sku must not exceed max_units_per_period".into());
        }
        if self.max_spend_per_period.0 < 0 {
            return Err("employee_store.max_spend_per_period must not be negative".into());
        }
        if self.time_zone.is_empty() || self.time_zone.len() > 64 {
            return Err("employee_store.time_zone must be an IANA zone name".into());
        }
        Ok(())
    }
}

/// How slow movers are picked for the outlet channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OutletPolicy {
    /// A SKU is slow when the network has not sold it for at least this many days.
    pub min_days_unsold: u32,
    /// … and still holds at least this many sellable units.
    pub min_on_hand: u32,
    /// Most SKUs one directed allocation names.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub max_skus: u32,
}

impl Default for OutletPolicy {
    fn default() -> Self {
        OutletPolicy { min_days_unsold: 90, min_on_hand: 20, max_skus: 200 }
    }
}

impl OutletPolicy {
    /// Checks the numbers.
    pub fn check(&self) -> Result<(), String> {
        if self.max_skus == 0 || self.max_skus > 10_000 {
            return Err("outlet.max_skus must be 1 to 10000".into());
        }
        Ok(())
    }
}

/// One SKU's sales history across the network, for [`slow_movers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuActivity {
    /// SKU.
    pub sku_code: String,
    /// Sellable units on hand, all nodes.
    pub on_hand: i64,
    /// When any node last sold it (Unix ms), if ever.
    pub last_sold_ms: Option<i64>,
    /// When it first had stock (Unix ms): a SKU never sold counts as unsold since then.
    pub first_stocked_ms: i64,
}

/// A slow mover picked for the outlet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlowMover {
    /// SKU.
    pub sku_code: String,
    /// Sellable units on hand, all nodes.
    pub on_hand: i64,
    /// Whole days since the network last sold it (or since it was first stocked).
    pub days_unsold: i64,
}

const DAY_MS: i64 = 86_400_000;

/// The slow movers among `skus` at `now` by `policy`: stalest first (then most stock, then
/// code), at most `max_skus`.
pub fn slow_movers(skus: &[SkuActivity], policy: &OutletPolicy, now: i64) -> Vec<SlowMover> {
    let mut out: Vec<SlowMover> = skus
        .iter()
        .filter(|s| s.on_hand >= i64::from(policy.min_on_hand) && s.on_hand > 0)
        .map(|s| SlowMover {
            sku_code: s.sku_code.clone(),
            on_hand: s.on_hand,
            days_unsold: (now - s.last_sold_ms.unwrap_or(s.first_stocked_ms)).max(0) / DAY_MS,
        })
        .filter(|s| s.days_unsold >= i64::from(policy.min_days_unsold))
        .collect();
    out.sort_by(|a, b| {
        b.days_unsold.cmp(&a.days_unsold).then(b.on_hand.cmp(&a.on_hand)).then(a.sku_code.cmp(&b.sku_code))
    });
    out.truncate(policy.max_skus as usize);
    out
}

/// One price of the employee price list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmployeePrice {
    /// SKU.
    pub sku_code: String,
    /// The employee price per unit, in fen.
    pub price: Fen,
}

/// `PUT /api/v1/clearance/employee-prices`: the whole employee price list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EmployeePriceList {
    /// The prices; a SKU not listed is not sold in the employee store.
    #[cfg_attr(feature = "openapi", schema(max_items = 100000))]
    pub prices: Vec<EmployeePrice>,
}

/// The employee price list in force and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmployeePrices {
    /// Version: 0 while none was set, then 1, 2, … for each PUT.
    pub version: i64,
    /// When it was set (Unix ms).
    pub updated_ms: i64,
    /// The prices, by SKU.
    pub prices: Vec<EmployeePrice>,
}

/// Why an employee-store line's price is refused, if it is: the SKU is not on the list, the
/// price differs from the list's, or it carries a discount (the list price is final).
pub fn price_problem(prices: &BTreeMap<String, Fen>, line: &OrderLineInput) -> Option<String> {
    match prices.get(&line.sku_code) {
        None => Some(format!("{} is not sold in the employee store", line.sku_code)),
        Some(p) if *p != line.unit_price => {
            Some(format!("{} costs {} fen in the employee store, not {}", line.sku_code, p.0, line.unit_price.0))
        }
        Some(_) if !line.discount.is_zero() => {
            Some(format!("{}: employee prices are final, no discount may be added", line.sku_code))
        }
        Some(_) => None,
    }
}

/// What an order adds to an employee's period: units per SKU and spend.
pub fn order_totals(lines: &[OrderLineInput]) -> (BTreeMap<String, i64>, Option<Fen>) {
    let mut units = BTreeMap::new();
    let mut spend = Some(Fen(0));
    for l in lines {
        *units.entry(l.sku_code.clone()).or_insert(0) += l.qty.get();
        spend = spend.and_then(|s| s.checked_add(l.unit_price.checked_mul(l.qty.get())?));
    }
    (units, spend)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Qty;

    fn line(sku: &str, qty: i64, price: i64, discount: i64) -> OrderLineInput {
        OrderLineInput {
            sku_code: sku.into(),
            qty: Qty::new(qty).unwrap(),
            unit_price: Fen(price),
            discount: Fen(discount),
        }
    }

    #[test]
    fn prices_are_the_lists() {
        let prices: BTreeMap<String, Fen> = [("A".to_string(), Fen(100))].into();
        assert_eq!(price_problem(&prices, &line("A", 1, 100, 0)), None);
        assert!(price_problem(&prices, &line("A", 1, 99, 0)).unwrap().contains("100 fen"));
        assert!(price_problem(&prices, &line("A", 1, 100, 5)).is_some());
        assert!(price_problem(&prices, &line("B", 1, 100, 0)).is_some());
        let (u, s) = order_totals(&[line("A", 2, 100, 0), line("A", 1, 100, 0)]);
        assert_eq!((u["A"], s), (3, Some(Fen(300))));
    }

    #[test]
    fn slow_movers_stalest_first() {
        let p = OutletPolicy { min_days_unsold: 30, min_on_hand: 5, max_skus: 2 };
        let now = 100 * DAY_MS;
        let a = |sku: &str, on_hand, last: Option<i64>| SkuActivity {
            sku_code: sku.into(),
            on_hand,
            last_sold_ms: last.map(|d| d * DAY_MS),
            first_stocked_ms: 0,
        };
        let got = slow_movers(
            &[
                a("FRESH", 50, Some(90)),
                a("OLD", 10, Some(10)),
                a("NEVER", 6, None),
                a("FEW", 2, None),
                a("MID", 9, Some(60)),
            ],
            &p,
            now,
        );
        let codes: Vec<_> = got.iter().map(|s| s.sku_code.as_str()).collect();
        assert_eq!(codes, ["NEVER", "OLD"]);
        assert_eq!(got[0].days_unsold, 100);
    }
}
