//! Picking by scanning: every unit is scanned against the fulfillment order's lines, so a
//! wrong item or one too many is caught at the shelf rather than at the counter.

use crate::order::FulfillmentLine;
use crate::protocol::PickedLine;
use crate::Count;
use serde::{Deserialize, Serialize};

/// Progress of one line while picking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickLine {
    /// Fulfillment line number.
    pub line_no: u32,
    /// SKU to pick.
    pub sku_code: String,
    /// Units ordered.
    pub qty: i64,
    /// Units scanned so far.
    pub scanned: i64,
}

/// Why a scan was not counted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum PickScanError {
    /// The barcode is not in the catalogue.
    #[error("barcode {barcode} is not in the catalogue")]
    UnknownBarcode {
        /// What was scanned.
        barcode: String,
    },
    /// The item is not part of this order.
    #[error("{sku_code} is not in this order")]
    WrongItem {
        /// The scanned item's SKU.
        sku_code: String,
    },
    /// Every unit of this item is already picked.
    #[error("all {qty} of {sku_code} are already picked")]
    TooMany {
        /// The SKU.
        sku_code: String,
        /// Units ordered.
        qty: i64,
    },
}

/// Fresh pick lines for an order's lines.
pub fn pick_lines(lines: &[FulfillmentLine]) -> Vec<PickLine> {
    lines
        .iter()
        .map(|l| PickLine { line_no: l.line_no, sku_code: l.sku_code.clone(), qty: l.qty, scanned: 0 })
        .collect()
}

/// Counts one scanned unit of `sku_code` (`None`: the barcode is unknown). The first line
/// of that SKU still short takes it. Returns the line number counted.
pub fn count_scan(lines: &mut [PickLine], barcode: &str, sku_code: Option<&str>) -> Result<u32, PickScanError> {
    let sku = sku_code.ok_or_else(|| PickScanError::UnknownBarcode { barcode: barcode.to_string() })?;
    let mut ordered = 0;
    for line in lines.iter_mut().filter(|l| l.sku_code == sku) {
        ordered += line.qty;
        if line.scanned < line.qty {
            line.scanned += 1;
            return Ok(line.line_no);
        }
    }
    if ordered == 0 {
        Err(PickScanError::WrongItem { sku_code: sku.to_string() })
    } else {
        Err(PickScanError::TooMany { sku_code: sku.to_string(), qty: ordered })
    }
}

/// Every unit of every line is scanned.
pub fn is_complete(lines: &[PickLine]) -> bool {
    lines.iter().all(|l| l.scanned >= l.qty)
}

/// The lines to confirm: scanned quantities, capped at what was ordered.
pub fn picked_lines(lines: &[PickLine]) -> Vec<PickedLine> {
    lines
        .iter()
        .map(|l| PickedLine {
            line_no: l.line_no,
            // Scans are capped at the line's quantity (at most 100,000), so this never fails.
            picked: Count::new(l.scanned.clamp(0, l.qty)).unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn picked(line_no: u32, n: i64) -> PickedLine {
        PickedLine { line_no, picked: Count::new(n).unwrap() }
    }

    fn lines() -> Vec<PickLine> {
        vec![
            PickLine { line_no: 1, sku_code: "A".into(), qty: 2, scanned: 0 },
            PickLine { line_no: 2, sku_code: "B".into(), qty: 1, scanned: 0 },
            PickLine { line_no: 3, sku_code: "A".into(), qty: 1, scanned: 0 },
        ]
    }

    #[test]
    fn scans_fill_lines_in_order_then_refuse_extras() {
        let mut l = lines();
        assert_eq!(count_scan(&mut l, "1", Some("A")), Ok(1));
        assert_eq!(count_scan(&mut l, "1", Some("A")), Ok(1));
        assert_eq!(count_scan(&mut l, "1", Some("A")), Ok(3));
        assert_eq!(count_scan(&mut l, "1", Some("A")), Err(PickScanError::TooMany { sku_code: "A".into(), qty: 3 }));
        assert!(!is_complete(&l));
        assert_eq!(count_scan(&mut l, "2", Some("B")), Ok(2));
        assert!(is_complete(&l));
        assert_eq!(picked_lines(&l), vec![picked(1, 2), picked(2, 1), picked(3, 1)]);
    }

    #[test]
    fn wrong_and_unknown_items_change_nothing() {
        let mut l = lines();
        assert_eq!(count_scan(&mut l, "9", Some("C")), Err(PickScanError::WrongItem { sku_code: "C".into() }));
        assert_eq!(count_scan(&mut l, "9", None), Err(PickScanError::UnknownBarcode { barcode: "9".into() }));
        assert_eq!(l, lines());
    }

    proptest! {
        // However the associate scans, no line is ever over-picked and every counted scan
        // is one more unit picked.
        #[test]
        fn never_over_picks(scans in proptest::collection::vec(0usize..4, 0..20)) {
            let skus = ["A", "B", "C"];
            let mut l = lines();
            let mut counted = 0;
            for s in scans {
                let sku = skus.get(s).copied();
                if count_scan(&mut l, "x", sku).is_ok() {
                    counted += 1;
                }
            }
            prop_assert!(l.iter().all(|x| x.scanned <= x.qty));
            prop_assert_eq!(l.iter().map(|x| x.scanned).sum::<i64>(), counted);
        }
    }
}
