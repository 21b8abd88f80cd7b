//! Product master (单一货品主数据): styles, SKUs and bundles.

use crate::ean13::Ean13;
use crate::money::Fen;
use serde::{Deserialize, Serialize};

/// A style (款): the product a customer recognises, in several colours and sizes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Style {
    /// Style code, e.g. `ST-2026-0001`.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub code: String,
    /// Display name.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub name: String,
    /// Category, e.g. `running-shoes`.
    pub category: String,
    /// List price of the style in fen.
    pub list_price: Fen,
}

/// A stock-keeping unit: one colour and size of a style, with its barcode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Sku {
    /// SKU code, unique in the brand.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub code: String,
    /// The style this SKU belongs to.
    pub style_code: String,
    /// EAN-13 barcode printed on the item's tag.
    pub barcode: Ean13,
    /// Colour name.
    pub colour: String,
    /// Size label.
    pub size: String,
    /// List price in fen.
    pub list_price: Fen,
}

/// A bundle (组合商品): a kit SKU made of component SKUs. Its availability is the minimum
/// over components of `available / qty`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// The kit's own SKU code.
    pub sku_code: String,
    /// Components and how many of each one kit holds.
    pub components: Vec<BundleComponent>,
}

/// One component of a [`Bundle`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BundleComponent {
    /// Component SKU code.
    pub sku_code: String,
    /// Units of the component in one kit.
    pub qty: crate::Qty,
}

/// How many kits can be made from component availabilities `(available, qty_per_kit)`.
pub fn bundle_availability(components: &[(i64, i64)]) -> i64 {
    components
        .iter()
        .map(|(available, per_kit)| if *per_kit <= 0 { 0 } else { (*available).max(0) / per_kit })
        .min()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_is_limited_by_scarcest_component() {
        assert_eq!(bundle_availability(&[(10, 1), (7, 2), (100, 5)]), 3);
        assert_eq!(bundle_availability(&[(10, 1), (-2, 1)]), 0);
        assert_eq!(bundle_availability(&[]), 0);
    }
}
