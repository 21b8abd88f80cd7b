//! The product master of a sportswear brand: styles, colour × size SKUs, barcodes, kits.

use crate::sample::size_weight;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use shared::catalogue::{Bundle, BundleComponent, Sku, Style};
use shared::ean13::Ean13;
use shared::{Fen, Qty};

/// One product category and what its styles look like.
struct Category {
    slug: &'static str,
    label: &'static str,
    /// Price range in fen; prices end in 9 yuan (e.g. 59900) as shelf prices do.
    price: (i64, i64),
    sizes: &'static [&'static str],
    colours: (usize, usize),
    series: &'static [&'static str],
}

const SHOE_SIZES: &[&str] = &["36", "37", "38", "39", "40", "41", "42", "43", "44", "45"];
const APPAREL_SIZES: &[&str] = &["XS", "S", "M", "L", "XL", "XXL"];
const SOCK_SIZES: &[&str] = &["S", "M", "L"];
const ONE_SIZE: &[&str] = &["F"];

const CATEGORIES: &[Category] = &[
    Category {
        slug: "running-shoes",
        label: "跑鞋",
        price: (49_900, 129_900),
        sizes: SHOE_SIZES,
        colours: (4, 5),
        series: &["疾风", "凌云", "飞驰", "追风", "破风", "星途"],
    },
    Category {
        slug: "basketball-shoes",
        label: "篮球鞋",
        price: (59_900, 129_900),
        sizes: SHOE_SIZES,
        colours: (4, 5),
        series: &["烈焰", "雷霆", "天际", "霸道", "突破"],
    },
    Category {
        slug: "training-tees",
        label: "训练T恤",
        price: (9_900, 29_900),
        sizes: APPAREL_SIZES,
        colours: (4, 5),
        series: &["速干", "冰感", "轻量", "基础"],
    },
    Category {
        slug: "hoodies",
        label: "连帽卫衣",
        price: (29_900, 59_900),
        sizes: APPAREL_SIZES,
        colours: (4, 5),
        series: &["城市", "复古", "加绒", "经典"],
    },
    Category {
        slug: "track-pants",
        label: "运动长裤",
        price: (19_900, 45_900),
        sizes: APPAREL_SIZES,
        colours: (4, 5),
        series: &["束脚", "针织", "机能", "梭织"],
    },
    Category {
        slug: "jackets",
        label: "夹克",
        price: (39_900, 99_900),
        sizes: APPAREL_SIZES,
        colours: (4, 5),
        series: &["防风", "三合一", "羽绒", "软壳"],
    },
    Category {
        slug: "shorts",
        label: "运动短裤",
        price: (9_900, 25_900),
        sizes: APPAREL_SIZES,
        colours: (4, 5),
        series: &["速干", "跑步", "篮球"],
    },
    Category {
        slug: "socks",
        label: "运动袜",
        price: (3_900, 9_900),
        sizes: SOCK_SIZES,
        colours: (3, 5),
        series: &["毛巾底", "船袜", "中筒", "压缩"],
    },
    Category {
        slug: "caps",
        label: "棒球帽",
        price: (9_900, 19_900),
        sizes: ONE_SIZE,
        colours: (3, 5),
        series: &["经典", "速干", "刺绣"],
    },
    Category {
        slug: "bags",
        label: "双肩包",
        price: (14_900, 49_900),
        sizes: ONE_SIZE,
        colours: (2, 4),
        series: &["通勤", "训练", "大容量"],
    },
];

/// Category of the n-th style: a fixed 20-slot rhythm so the SKU count scales linearly with
/// `styles` (about 27 SKUs per style) whatever the seed.
const RHYTHM: [usize; 20] = [0, 2, 1, 3, 0, 4, 2, 5, 1, 0, 6, 2, 3, 7, 0, 4, 1, 5, 8, 9];

const VARIANTS: &[&str] = &["", " Pro", " Lite", " Max", " 2", " 3", " 4", " Elite"];

const COLOURS: &[(&str, &str)] = &[
    ("BLK", "黑色"),
    ("WHT", "白色"),
    ("GRY", "灰色"),
    ("NVY", "藏青"),
    ("RED", "中国红"),
    ("BLU", "湖蓝"),
    ("GRN", "墨绿"),
    ("PNK", "樱花粉"),
    ("BEG", "米白"),
    ("ORG", "荧光橙"),
];

/// Highest SKU count the barcode numbering supports (see [`barcode`]).
pub const MAX_SKUS: usize = 1_000_000;

/// The generated product master plus what stock and orders need to know about each SKU.
pub(crate) struct Catalogue {
    pub styles: Vec<Style>,
    /// Regular SKUs first, then the kit SKUs.
    pub skus: Vec<Sku>,
    pub bundles: Vec<Bundle>,
    /// For each regular SKU (the first `sku_style.len()` of `skus`): its style index and
    /// size weight.
    pub sku_style: Vec<(usize, f64)>,
}

/// Barcode of the n-th SKU: prefix 69x (GS1 China), a fixed company number and a
/// running item number, so uniqueness holds by construction.
fn barcode(n: usize) -> Ean13 {
    assert!(n < MAX_SKUS, "barcode numbering supports at most {MAX_SKUS} SKUs");
    let mut d = [0u8; 12];
    d[0] = 6;
    d[1] = 9;
    d[2] = (n / 100_000) as u8;
    d[3..7].copy_from_slice(&[7, 0, 2, 1]);
    let mut item = n % 100_000;
    for slot in d[7..12].iter_mut().rev() {
        *slot = (item % 10) as u8;
        item /= 10;
    }
    Ean13::from_first12(d)
}

/// A shelf price in `range` that ends in 9 yuan, e.g. 59900.
fn shelf_price(range: (i64, i64), rng: &mut StdRng) -> i64 {
    let lo = (range.0 + 100) / 1000;
    let hi = (range.1 + 100) / 1000;
    rng.gen_range(lo..=hi) * 1000 - 100
}

/// Builds `styles` styles with their SKUs and up to ten kits.
pub(crate) fn build(styles: usize, rng: &mut StdRng) -> Catalogue {
    let mut cat = Catalogue { styles: Vec::new(), skus: Vec::new(), bundles: Vec::new(), sku_style: Vec::new() };
    // The first M-size SKU of each socks, tees and shorts style, for the kits.
    let mut kit_parts: [Vec<(usize, String)>; 3] = Default::default();
    for i in 0..styles {
        let c = &CATEGORIES[RHYTHM[i % RHYTHM.len()]];
        let code = format!("ST-2026-{:04}", i + 1);
        let series = c.series[rng.gen_range(0..c.series.len())];
        let variant = VARIANTS[rng.gen_range(0..VARIANTS.len())];
        let price = shelf_price(c.price, rng);
        cat.styles.push(Style {
            code: code.clone(),
            name: if variant.is_empty() {
                format!("{series}{}", c.label)
            } else {
                format!("{series}{variant} {}", c.label)
            },
            category: c.slug.to_string(),
            list_price: Fen(price),
        });
        let n_colours = rng.gen_range(c.colours.0..=c.colours.1);
        let colours: Vec<&(&str, &str)> = COLOURS.choose_multiple(rng, n_colours).collect();
        for (ci, (ccode, cname)) in colours.iter().enumerate() {
            for (si, size) in c.sizes.iter().enumerate() {
                let sku_code = format!("{code}-{ccode}-{size}");
                if ci == 0 && *size == "M" {
                    let slot = match c.slug {
                        "socks" => Some(0),
                        "training-tees" => Some(1),
                        "shorts" => Some(2),
                        _ => None,
                    };
                    if let Some(slot) = slot {
                        kit_parts[slot].push((i, sku_code.clone()));
                    }
                }
                cat.skus.push(Sku {
                    code: sku_code,
                    style_code: code.clone(),
                    barcode: barcode(cat.skus.len()),
                    colour: cname.to_string(),
                    size: size.to_string(),
                    list_price: Fen(price),
                });
                cat.sku_style.push((i, size_weight(si, c.sizes.len())));
            }
        }
    }
    add_kits(&mut cat, &kit_parts);
    cat
}

/// A kit before it becomes a style, SKU and bundle: name, price, components × qty.
type KitPlan = (String, i64, Vec<(String, i64)>);

/// Five sock 3-packs and five tee + shorts sets, each with its own style and SKU.
fn add_kits(cat: &mut Catalogue, parts: &[Vec<(usize, String)>; 3]) {
    let mut kits: Vec<KitPlan> = Vec::new();
    for (style, sku) in parts[0].iter().take(5) {
        let s = &cat.styles[*style];
        kits.push((format!("{} 三双装", s.name), s.list_price.0 * 3 * 85 / 100, vec![(sku.clone(), 3)]));
    }
    for ((tee, tee_sku), (shorts, shorts_sku)) in parts[1].iter().zip(&parts[2]).take(5) {
        let (t, s) = (&cat.styles[*tee], &cat.styles[*shorts]);
        let price = (t.list_price.0 + s.list_price.0) * 85 / 100;
        kits.push((
            format!("{} + {} 训练套装", t.name, s.name),
            price,
            vec![(tee_sku.clone(), 1), (shorts_sku.clone(), 1)],
        ));
    }
    for (k, (name, price, components)) in kits.into_iter().enumerate() {
        let price = Fen((price / 1000).max(1) * 1000 - 100);
        let style_code = format!("ST-KIT-{:02}", k + 1);
        let sku_code = format!("KIT-{:02}", k + 1);
        cat.styles.push(Style { code: style_code.clone(), name, category: "kits".into(), list_price: price });
        cat.skus.push(Sku {
            code: sku_code.clone(),
            style_code,
            barcode: barcode(cat.skus.len()),
            colour: "组合".into(),
            size: "M".into(),
            list_price: price,
        });
        let components = components
            .into_iter()
            .map(|(sku_code, qty)| BundleComponent { sku_code, qty: Qty::new(qty).expect("kit quantities are small") })
            .collect();
        cat.bundles.push(Bundle { sku_code, components });
    }
}
