//! Word lists for names, phones and addresses. Plain data: the generators pick from them
//! with the seeded RNG.

use rand::rngs::StdRng;
use rand::Rng;

/// Common Chinese surnames.
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "潘",
];

/// Given names (one or two characters).
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "晓东", "子涵", "浩然", "雨桐", "欣怡", "梓轩", "思远", "嘉怡", "一鸣", "佳琪", "宇航", "诗涵",
    "俊杰", "晨曦", "若溪", "天佑", "梦瑶", "志强",
];

/// Mobile prefixes of the three carriers.
const PHONE_PREFIXES: &[&str] =
    &["138", "139", "137", "136", "135", "150", "151", "152", "158", "159", "186", "187", "188", "177", "199", "133"];

/// Street names that exist in most Chinese cities.
const ROADS: &[&str] = &[
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "和平路",
    "长江路",
    "黄河路",
    "新华路",
    "文化路",
    "胜利路",
    "青年路",
    "光明路",
    "学府路",
    "花园路",
    "滨江路",
    "复兴路",
];

/// Residential compound names.
const COMPOUNDS: &[&str] =
    &["阳光花园", "锦绣苑", "翠湖小区", "世纪新城", "金色家园", "绿地公寓", "万科城", "碧桂园", "华府", "枫林苑"];

/// A person's name, e.g. `陈思远`.
pub(crate) fn person(rng: &mut StdRng) -> String {
    let s = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    let g = GIVEN[rng.gen_range(0..GIVEN.len())];
    format!("{s}{g}")
}

/// An 11-digit mainland mobile number.
pub(crate) fn phone(rng: &mut StdRng) -> String {
    let p = PHONE_PREFIXES[rng.gen_range(0..PHONE_PREFIXES.len())];
    format!("{p}{:08}", rng.gen_range(0..100_000_000u32))
}

/// A street address in `city`.
pub(crate) fn address(city: &str, rng: &mut StdRng) -> String {
    let road = ROADS[rng.gen_range(0..ROADS.len())];
    let compound = COMPOUNDS[rng.gen_range(0..COMPOUNDS.len())];
    format!(
        "{city}市{road}{}号{compound}{}栋{}室",
        rng.gen_range(1..600),
        rng.gen_range(1..30),
        rng.gen_range(1..33) * 100 + rng.gen_range(1..5)
    )
}
