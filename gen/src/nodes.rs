//! Fulfilment nodes on the map: three warehouses and stores in real shopping districts.

use crate::sample::round6;
use shared::node::{Capabilities, GeoPoint, Node, NodeKind};
use shared::Fen;

/// A store site: code, name, city, lat, lon, franchise, ships, same-city.
type Site = (&'static str, &'static str, &'static str, f64, f64, bool, bool, bool);

/// Real shopping districts at approximate coordinates. The first is the demo store.
const SITES: &[Site] = &[
    ("SH-JINGAN", "上海静安嘉里中心店", "上海", 31.2240, 121.4470, false, true, true),
    ("BJ-SANLITUN", "北京三里屯太古里店", "北京", 39.9335, 116.4551, false, true, true),
    ("SH-XINTIANDI", "上海新天地店", "上海", 31.2194, 121.4751, false, true, true),
    ("GZ-TIANHE", "广州天河正佳广场店", "广州", 23.1329, 113.3270, false, true, true),
    ("SZ-FUTIAN", "深圳福田COCO Park店", "深圳", 22.5334, 114.0553, false, true, true),
    ("SH-LUJIAZUI", "上海陆家嘴正大广场店", "上海", 31.2366, 121.4993, false, true, true),
    ("BJ-WANGFUJING", "北京王府井店", "北京", 39.9140, 116.4109, false, true, true),
    ("HZ-WULIN", "杭州武林银泰店", "杭州", 30.2741, 120.1636, false, true, true),
    ("NJ-XINJIEKOU", "南京新街口德基广场店", "南京", 32.0418, 118.7845, false, true, true),
    ("SU-GUANQIAN", "苏州观前街店", "苏州", 31.3110, 120.6260, true, true, false),
    ("CD-CHUNXI", "成都春熙路IFS店", "成都", 30.6560, 104.0810, false, true, true),
    ("CQ-JIEFANGBEI", "重庆解放碑店", "重庆", 29.5573, 106.5775, false, true, true),
    ("WUH-JIANGHAN", "武汉江汉路店", "武汉", 30.5800, 114.2880, false, true, true),
    ("XA-ZHONGLOU", "西安钟楼开元店", "西安", 34.2610, 108.9470, false, true, true),
    ("TJ-BINJIANG", "天津滨江道店", "天津", 39.1230, 117.2000, false, true, false),
    ("CS-WUYI", "长沙五一广场店", "长沙", 28.1960, 112.9770, false, true, false),
    ("QD-TAIDONG", "青岛台东步行街店", "青岛", 36.0830, 120.3540, true, true, false),
    ("XM-ZHONGSHAN", "厦门中山路店", "厦门", 24.4560, 118.0800, true, false, false),
    ("SH-WUJIAOCHANG", "上海五角场合生汇店", "上海", 31.3003, 121.5141, false, true, true),
    ("BJ-XIDAN", "北京西单大悦城店", "北京", 39.9101, 116.3732, false, true, true),
    ("SH-XUJIAHUI", "上海徐家汇港汇店", "上海", 31.1950, 121.4370, false, true, true),
    ("BJ-ZHONGGUANCUN", "北京中关村店", "北京", 39.9836, 116.3164, false, true, true),
    ("GZ-BEIJINGLU", "广州北京路店", "广州", 23.1255, 113.2694, true, true, true),
    ("SZ-NANSHAN", "深圳南山海岸城店", "深圳", 22.5170, 113.9360, false, true, true),
    ("HZ-HUBIN", "杭州湖滨银泰in77店", "杭州", 30.2585, 120.1640, false, true, true),
    ("CD-WANXIANGCHENG", "成都万象城店", "成都", 30.6580, 104.1060, true, true, true),
    ("CQ-GUANYINQIAO", "重庆观音桥店", "重庆", 29.5760, 106.5300, true, false, false),
    ("WUH-GUANGGU", "武汉光谷步行街店", "武汉", 30.5060, 114.3990, true, true, false),
    ("SU-SIP", "苏州园区苏州中心店", "苏州", 31.3180, 120.6690, false, true, false),
    ("XA-XIAOZHAI", "西安小寨赛格店", "西安", 34.2230, 108.9480, true, true, false),
    ("ZZ-ERQI", "郑州二七广场店", "郑州", 34.7540, 113.6650, true, true, false),
    ("HF-HUAIHE", "合肥淮河路步行街店", "合肥", 31.8680, 117.2920, true, true, false),
    ("NB-TIANYI", "宁波天一广场店", "宁波", 29.8700, 121.5540, true, true, false),
    ("KM-NANPING", "昆明南屏街店", "昆明", 25.0410, 102.7100, true, false, false),
    ("SY-ZHONGJIE", "沈阳中街店", "沈阳", 41.8000, 123.4600, true, true, false),
];

fn warehouse(code: &str, name: &str, city: &str, lat: f64, lon: f64, kind: NodeKind, capacity: u32) -> Node {
    Node {
        code: code.into(),
        name: name.into(),
        kind,
        city: city.into(),
        location: GeoPoint { lat, lon },
        capabilities: Capabilities { ship: true, pickup: false, same_city: false },
        opening_hours: "00:00-24:00".into(),
        daily_capacity: capacity,
        handling_cost: Fen(600),
    }
}

/// The three warehouses followed by `stores` stores. Beyond the listed sites, further
/// stores reuse a site's district with a numbered code and a ~2 km offset, so large test
/// configurations still get distinct, plausible nodes.
pub(crate) fn build(stores: usize) -> Vec<Node> {
    let mut nodes = vec![
        warehouse("WH-SH", "华东中央仓(昆山)", "昆山", 31.3850, 120.9800, NodeKind::CentralWarehouse, 20_000),
        warehouse("WH-BJ", "华北区域仓(天津武清)", "天津", 39.3830, 117.0440, NodeKind::RegionalWarehouse, 8_000),
        warehouse("WH-GZ", "华南区域仓(东莞)", "东莞", 23.0210, 113.7520, NodeKind::RegionalWarehouse, 8_000),
    ];
    for i in 0..stores {
        let (code, name, city, lat, lon, franchise, ship, same_city) = SITES[i % SITES.len()];
        let round = i / SITES.len();
        let (code, name, lat, lon) = if round == 0 {
            (code.to_string(), name.to_string(), lat, lon)
        } else {
            let off = 0.018 * round as f64;
            (format!("{code}-{}", round + 1), format!("{name}{}号店", round + 1), lat + off, lon - off)
        };
        // The demo store takes far more online orders than a normal store would.
        let daily_capacity = if i == 0 {
            500
        } else if same_city {
            300
        } else {
            150
        };
        nodes.push(Node {
            code,
            name,
            kind: if franchise { NodeKind::FranchiseStore } else { NodeKind::DirectStore },
            city: city.into(),
            location: GeoPoint { lat: round6(lat), lon: round6(lon) },
            capabilities: Capabilities { ship, pickup: true, same_city },
            opening_hours: "10:00-22:00".into(),
            daily_capacity,
            // Store labour per order is dearer than a warehouse's; franchisees charge a fee.
            handling_cost: Fen(if franchise { 1_800 } else { 1_200 }),
        });
    }
    nodes
}
