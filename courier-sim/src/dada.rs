//! The simulated Dada-shaped rider platforms: `POST /<platform>/api/...` with Dada's envelope
//! and signature check, and signed status callbacks to each order's `callback` URL on a
//! timeline, the rider moving toward the shop and then the customer.

use crate::types::{Mailbox, Outgoing, RiderOrderView, RiderView, Rule, Script, SimError, Target};
use crate::Sim;
use axum::extract::{Path, State};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use shared::courier::dada::{self as wire, path, status, Answer, Envelope};
use shared::node::GeoPoint;
use shared::Fen;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a quote's `deliveryNo` stays placeable.
const QUOTE_VALID: Duration = Duration::from_secs(180);

const RIDERS: [(&str, &str); 4] =
    [("王师傅", "13900000001"), ("李师傅", "13900000002"), ("张师傅", "13900000003"), ("刘师傅", "13900000004")];

/// A quote not yet placed (or placed: then it names the order).
pub(crate) struct Quote {
    platform: String,
    request: wire::OrderRequest,
    fee: wire::FeeResult,
    at: Instant,
    placed: bool,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    /// A status change (with its callback).
    Status(i64),
    /// Automatic mode only: the rider moves along a leg (0 to the shop, 1 to the customer) to
    /// the fraction given; the callback repeats the status with the new position.
    Move(u8, f64),
}

/// An order a rider platform took.
pub(crate) struct RiderOrder {
    platform: String,
    origin_id: String,
    client_id: String,
    request: wire::OrderRequest,
    fee: wire::FeeResult,
    order_status: i64,
    steps: VecDeque<Step>,
    rider: Option<RiderView>,
    position: Option<(f64, f64)>,
    shop: (f64, f64),
    rider_start: (f64, f64),
    fetch_code: String,
    script: Option<Script>,
    cancel_reason: String,
    cancel_from: i64,
    deduct_fee: Fen,
    placements: u32,
    previous: Option<wire::Callback>,
    pub(crate) mail: Mailbox,
}

/// How many times the order was placed (a timeline belongs to one placement).
pub(crate) fn placements(o: &RiderOrder) -> u32 {
    o.placements
}

pub(crate) fn view(o: &RiderOrder) -> RiderOrderView {
    RiderOrderView {
        platform: o.platform.clone(),
        origin_id: o.origin_id.clone(),
        client_id: o.client_id.clone(),
        order_status: o.order_status,
        status: wire::booking_status(o.order_status),
        rider: o.rider.clone(),
        position: o.position,
        fetch_code: o.fetch_code.clone(),
        fee_fen: o.fee.fee.0,
        tips_fen: o.request.tips.unwrap_or(Fen::ZERO).0,
        deduct_fee_fen: o.deduct_fee.0,
        placements: o.placements,
        script: o.script,
        steps_left: o.steps.len(),
        callbacks: o.mail.records.clone(),
    }
}

fn answer<T: Serialize>(a: Answer<T>) -> Json<Value> {
    Json(serde_json::to_value(a).unwrap_or_else(|_| serde_json::json!({"status":"fail","code":1,"msg":"系统错误"})))
}

fn fail(code: i64, msg: &str) -> Json<Value> {
    answer(Answer::<()>::fail(code, msg))
}

fn body<T: DeserializeOwned>(e: &Envelope) -> Result<T, Json<Value>> {
    e.body().map_err(|err| fail(wire::CODE_PARAMETER, &format!("body 参数错误: {err}")))
}

/// The handler of `POST /<platform>/api/...`: Dada answers HTTP 200 with its codes.
pub(crate) async fn api(
    State(sim): State<Arc<Sim>>,
    Path((platform, rest)): Path<(String, String)>,
    raw: axum::body::Bytes,
) -> Json<Value> {
    let (Some(account), Some(secret)) = (sim.config.riders.get(&platform), sim.secrets.get(&platform)) else {
        return fail(wire::CODE_APP_KEY, "平台不存在");
    };
    let envelope: Envelope = match serde_json::from_slice(&raw) {
        Ok(e) => e,
        Err(e) => return fail(wire::CODE_PARAMETER, &format!("请求参数错误: {e}")),
    };
    if envelope.app_key != account.app_key {
        return fail(wire::CODE_APP_KEY, "app_key 无效");
    }
    if envelope.verify(secret).is_err() {
        return fail(wire::CODE_SIGNATURE, "签名错误");
    }
    if envelope.source_id != account.source_id {
        return fail(wire::CODE_SOURCE_ID, "source_id 无效");
    }
    let endpoint = format!("/api/{rest}");
    let result = match endpoint.as_str() {
        path::SHOP_ADD => body(&envelope).map(|b| shop_add(&sim, &platform, b)),
        path::QUERY_DELIVER_FEE => body(&envelope).map(|b| quote(&sim, &platform, b)),
        path::ADD_AFTER_QUERY => body(&envelope).map(|b| add_after_query(&sim, &platform, b)),
        path::ADD_ORDER => body(&envelope).map(|b| add_order(&sim, &platform, b, false)),
        path::RE_ADD_ORDER => body(&envelope).map(|b| add_order(&sim, &platform, b, true)),
        path::ADD_TIP => body(&envelope).map(|b| add_tip(&sim, &platform, b)),
        path::FORMAL_CANCEL => body(&envelope).map(|b| cancel(&sim, &platform, b)),
        path::STATUS_QUERY => body(&envelope).map(|b| status_query(&sim, &platform, b)),
        _ => Err(fail(wire::CODE_PARAMETER, "接口不存在")),
    };
    result.unwrap_or_else(|e| e)
}

fn shop_add(sim: &Sim, platform: &str, shops: Vec<wire::ShopAdd>) -> Json<Value> {
    // Registration is configuration here: shops the platform knows are answered as
    // registered; others are refused (the simulator's shops come from its config).
    let known = &sim.config.riders[platform].shops;
    let mut result = wire::ShopAddResult { success: 0, success_list: Vec::new(), failed_list: Vec::new() };
    for s in shops {
        let no = s.origin_shop_id.clone().unwrap_or_default();
        if known.values().any(|e| e.shop_no() == no) {
            result.success += 1;
            result.success_list.push(wire::ShopAdded { origin_shop_id: no, station_name: s.station_name });
        } else {
            result.failed_list.push(wire::ShopRefused {
                shop_no: no,
                msg: "门店未在模拟器配置中".into(),
                shop_name: s.station_name,
            });
        }
    }
    answer(Answer::success(result))
}

/// The shop's position: configured, or a point near the customer.
fn shop_position(sim: &Sim, platform: &str, req: &wire::OrderRequest) -> Option<(f64, f64)> {
    let entry = sim.config.riders[platform].shops.values().find(|e| e.shop_no() == req.shop_no)?;
    Some(entry.position().unwrap_or((req.receiver_lat + 0.018, req.receiver_lng - 0.021)))
}

fn check_order(sim: &Sim, platform: &str, req: &wire::OrderRequest) -> Result<(f64, f64), Json<Value>> {
    let Some(shop) = shop_position(sim, platform, req) else {
        return Err(fail(wire::CODE_SHOP_UNKNOWN, "门店编号不存在"));
    };
    let missing = [
        ("origin_id", req.origin_id.trim()),
        ("city_code", req.city_code.trim()),
        ("receiver_name", req.receiver_name.trim()),
        ("receiver_address", req.receiver_address.trim()),
        ("receiver_phone", req.receiver_phone.trim()),
        ("callback", req.callback.trim()),
    ]
    .into_iter()
    .find(|(_, v)| v.is_empty());
    if let Some((name, _)) = missing {
        return Err(fail(wire::CODE_PARAMETER, &format!("{name} 不能为空")));
    }
    if !(GeoPoint { lat: req.receiver_lat, lon: req.receiver_lng }).is_valid() {
        return Err(fail(wire::CODE_PARAMETER, "收货人经纬度无效"));
    }
    if req.cargo_weight == 0 || req.cargo_price.0 < 0 {
        return Err(fail(wire::CODE_PARAMETER, "cargo_weight/cargo_price 无效"));
    }
    Ok(shop)
}

fn price(sim: &Sim, platform: &str, req: &wire::OrderRequest, shop: (f64, f64)) -> wire::FeeResult {
    let p = &sim.config.riders[platform];
    let km =
        GeoPoint { lat: shop.0, lon: shop.1 }.distance_km(&GeoPoint { lat: req.receiver_lat, lon: req.receiver_lng });
    // Distances on one city's map are far inside u32 metres.
    let metres = (km * 1000.0).round().clamp(0.0, 1e9) as u32;
    let extra_km = metres.saturating_sub(p.base_km * 1000).div_ceil(1000);
    let deliver_fee = Fen(p.base_fee_fen + p.per_km_fen * i64::from(extra_km));
    let tips = req.tips.unwrap_or(Fen::ZERO);
    wire::FeeResult {
        distance: metres,
        delivery_no: None,
        fee: Fen(deliver_fee.0 + tips.0),
        deliver_fee,
        tips: req.tips,
        insurance_fee: None,
        coupon_fee: None,
        pickup_minutes: Some(p.pickup_minutes),
    }
}

fn quote(sim: &Sim, platform: &str, req: wire::OrderRequest) -> Json<Value> {
    let shop = match check_order(sim, platform, &req) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let mut fee = price(sim, platform, &req, shop);
    let mut st = sim.lock();
    let no = format!("{platform}-Q{}", st.next_seq());
    fee.delivery_no = Some(no.clone());
    st.quotes.insert(
        no,
        Quote { platform: platform.into(), request: req, fee: fee.clone(), at: Instant::now(), placed: false },
    );
    answer(Answer::success(fee))
}

fn add_after_query(sim: &Arc<Sim>, platform: &str, q: wire::AddAfterQuery) -> Json<Value> {
    let (request, fee) = {
        let mut st = sim.lock();
        let Some(quote) = st.quotes.get_mut(&q.delivery_no).filter(|x| x.platform == platform) else {
            return fail(wire::CODE_QUOTE_EXPIRED, "deliveryNo 不存在或已过期");
        };
        if quote.placed {
            // Placing the same quote again is answered as the first time.
            return answer(Answer::done());
        }
        if quote.at.elapsed() > QUOTE_VALID {
            return fail(wire::CODE_QUOTE_EXPIRED, "deliveryNo 已过期");
        }
        quote.placed = true;
        (quote.request.clone(), quote.fee.clone())
    };
    match place(sim, platform, request, fee, false) {
        Ok(_) => answer(Answer::done()),
        Err(e) => e,
    }
}

fn add_order(sim: &Arc<Sim>, platform: &str, req: wire::OrderRequest, again: bool) -> Json<Value> {
    let shop = match check_order(sim, platform, &req) {
        Ok(s) => s,
        Err(e) => return e,
    };
    let fee = price(sim, platform, &req, shop);
    match place(sim, platform, req, fee, again) {
        Ok(fee) => answer(Answer::success(fee)),
        Err(e) => e,
    }
}

fn timeline(script: Option<Script>, auto: bool) -> VecDeque<Step> {
    let moves = |leg: u8, n: u8| -> Vec<Step> {
        if auto {
            (1..n).map(|i| Step::Move(leg, f64::from(i) / f64::from(n))).collect()
        } else {
            Vec::new()
        }
    };
    let mut steps = vec![Step::Status(status::ACCEPTED)];
    steps.extend(moves(0, 3));
    match script {
        Some(Script::Expire) => return VecDeque::from([Step::Status(status::EXPIRED)]),
        Some(Script::FailCreate) => return VecDeque::new(),
        Some(Script::RiderCancelsOnce) => {
            steps.push(Step::Status(status::CANCELLED));
            return steps.into();
        }
        _ => {}
    }
    steps.push(Step::Status(status::AT_SHOP));
    steps.push(Step::Status(status::PICKED_UP));
    steps.extend(moves(1, 4));
    if script == Some(Script::FailDelivery) {
        steps.push(Step::Status(status::RETURNING));
        steps.push(Step::Status(status::RETURNED));
    } else {
        steps.push(Step::Status(status::DELIVERED));
    }
    steps.into()
}

/// Places an order (new, or again after a cancel or expiry) and queues its first callback.
fn place(
    sim: &Arc<Sim>,
    platform: &str,
    req: wire::OrderRequest,
    mut fee: wire::FeeResult,
    again: bool,
) -> Result<wire::FeeResult, Json<Value>> {
    let auto = sim.config.timeline.step().is_some();
    let key = (platform.to_owned(), req.origin_id.clone());
    let shop = shop_position(sim, platform, &req).unwrap_or((req.receiver_lat, req.receiver_lng));
    fee.delivery_no = None;
    let mut st = sim.lock();
    let seq = st.next_seq();
    if again {
        let Some(order) = st.riders.get_mut(&key) else {
            return Err(fail(wire::CODE_ORDER_UNKNOWN, "订单不存在"));
        };
        if ![status::CANCELLED, status::EXPIRED, status::CREATE_FAILED].contains(&order.order_status) {
            return Err(fail(wire::CODE_STATUS, "订单状态不允许重新发布"));
        }
        // A rider who cancelled once does not cancel again; the other scripts stay.
        let script = order.script.filter(|s| *s != Script::RiderCancelsOnce && *s != Script::Expire);
        order.request = req;
        order.fee = fee.clone();
        order.order_status = status::LOOKING;
        order.steps = timeline(script, auto);
        order.rider = None;
        order.position = None;
        order.cancel_reason.clear();
        order.cancel_from = wire::CANCEL_FROM_NONE;
        order.placements += 1;
        let cb = callback(order);
        queue_callback(order, cb);
    } else {
        if st.riders.contains_key(&key) {
            return Err(fail(wire::CODE_ORDER_EXISTS, "订单已存在"));
        }
        let script = st.take_script(platform);
        let fetch_code = req.fetch_code.clone().unwrap_or_else(|| format!("{:04}", (seq * 7919) % 10_000));
        let mut order = RiderOrder {
            platform: platform.into(),
            origin_id: req.origin_id.clone(),
            client_id: if script == Some(Script::FailCreate) { String::new() } else { format!("{platform}-{seq:08}") },
            request: req,
            fee: fee.clone(),
            order_status: if script == Some(Script::FailCreate) { status::CREATE_FAILED } else { status::LOOKING },
            steps: timeline(script, auto),
            rider: None,
            position: None,
            shop,
            rider_start: (shop.0 + 0.008, shop.1 + 0.006),
            fetch_code,
            script,
            cancel_reason: String::new(),
            cancel_from: wire::CANCEL_FROM_NONE,
            deduct_fee: Fen::ZERO,
            placements: 1,
            previous: None,
            mail: Mailbox::default(),
        };
        let cb = callback(&order);
        queue_callback(&mut order, cb);
        st.riders.insert(key.clone(), order);
    }
    drop(st);
    crate::flush_later(sim, Target::Rider(key.0.clone(), key.1.clone()));
    crate::spawn_timeline(sim, key.0, key.1);
    Ok(fee)
}

fn lerp(a: (f64, f64), b: (f64, f64), t: f64) -> (f64, f64) {
    (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
}

/// The callback reporting the order as it is now, signed as Dada signs it.
fn callback(o: &RiderOrder) -> wire::Callback {
    let now = crate::now();
    let update_time = if o.order_status == status::CREATE_FAILED { now.timestamp_millis() } else { now.timestamp() };
    let mut cb = wire::Callback {
        client_id: o.client_id.clone(),
        order_id: o.origin_id.clone(),
        order_status: o.order_status,
        repeat_reason_type: None,
        cancel_reason: o.cancel_reason.clone(),
        cancel_from: o.cancel_from,
        update_time,
        signature: String::new(),
        dm_id: o.rider.as_ref().map(|r| r.id),
        dm_name: o.rider.as_ref().map(|r| r.name.clone()),
        dm_mobile: o.rider.as_ref().map(|r| r.phone.clone()),
        finish_code: None,
        fetch_code: (o.order_status != status::CREATE_FAILED).then(|| o.fetch_code.clone()),
        transporter_lat: o.position.map(|p| p.0),
        transporter_lng: o.position.map(|p| p.1),
        deduct_fee: (o.deduct_fee.0 > 0).then_some(o.deduct_fee),
    };
    cb.sign();
    cb
}

fn outgoing(o: &RiderOrder, cb: &wire::Callback, label: String) -> Outgoing {
    Outgoing {
        url: o.request.callback.clone(),
        body: serde_json::to_value(cb).unwrap_or_default(),
        label,
        rule: Rule::Http200,
    }
}

fn queue_callback(o: &mut RiderOrder, cb: wire::Callback) {
    let label = format!("order_status {}", cb.order_status);
    let mut outs = vec![outgoing(o, &cb, label.clone())];
    if o.script == Some(Script::DuplicateCallbacks) {
        if let Some(prev) = &o.previous {
            outs.push(outgoing(o, prev, format!("order_status {} (late)", prev.order_status)));
        }
        outs.push(outgoing(o, &cb, format!("{label} (again)")));
    }
    o.previous = Some(cb);
    o.mail.queue(outs);
}

/// The next step of an order, its callback queued.
pub(crate) fn step(sim: &Sim, platform: &str, origin_id: &str) -> Result<(), SimError> {
    let mut st = sim.lock();
    let seq = st.next_seq();
    let order = st
        .riders
        .get_mut(&(platform.to_owned(), origin_id.to_owned()))
        .ok_or_else(|| SimError::UnknownOrder { platform: platform.into(), order_id: origin_id.into() })?;
    let next = order.steps.pop_front().ok_or_else(|| SimError::NoFurtherStep(origin_id.into()))?;
    let customer = (order.request.receiver_lat, order.request.receiver_lng);
    match next {
        Step::Move(leg, t) => {
            order.position = Some(match leg {
                0 => lerp(order.rider_start, order.shop, t),
                _ => lerp(order.shop, customer, t),
            });
        }
        Step::Status(code) => {
            order.order_status = code;
            match code {
                status::ACCEPTED => {
                    // Index below the list's length.
                    let (name, phone) = RIDERS[(seq as usize) % RIDERS.len()];
                    // Ids stay far inside i64.
                    order.rider = Some(RiderView { id: 10_000 + seq as i64, name: name.into(), phone: phone.into() });
                    order.position = Some(order.rider_start);
                }
                status::AT_SHOP | status::PICKED_UP | status::RETURNED => order.position = Some(order.shop),
                status::DELIVERED => order.position = Some(customer),
                status::RETURNING => order.position = Some(lerp(order.shop, customer, 0.5)),
                status::CANCELLED => {
                    order.cancel_reason = "骑士取消订单".into();
                    order.cancel_from = wire::CANCEL_FROM_RIDER;
                }
                _ => {}
            }
        }
    }
    let cb = callback(order);
    queue_callback(order, cb);
    Ok(())
}

fn find<'a>(st: &'a mut crate::State, platform: &str, origin_id: &str) -> Result<&'a mut RiderOrder, Json<Value>> {
    st.riders
        .get_mut(&(platform.to_owned(), origin_id.to_owned()))
        .ok_or_else(|| fail(wire::CODE_ORDER_UNKNOWN, "订单不存在"))
}

fn add_tip(sim: &Sim, platform: &str, t: wire::AddTip) -> Json<Value> {
    let mut st = sim.lock();
    let order = match find(&mut st, platform, &t.order_id) {
        Ok(o) => o,
        Err(e) => return e,
    };
    if ![status::LOOKING, status::ASSIGNED].contains(&order.order_status) {
        return fail(wire::CODE_STATUS, "订单已被接单，不能加小费");
    }
    let old = order.request.tips.unwrap_or(Fen::ZERO);
    if t.tips.0 < old.0 {
        return fail(wire::CODE_PARAMETER, "小费只能增加");
    }
    order.request.tips = Some(t.tips);
    order.fee.tips = Some(t.tips);
    order.fee.fee = Fen(order.fee.deliver_fee.0 + t.tips.0);
    answer(Answer::done())
}

fn cancel(sim: &Arc<Sim>, platform: &str, c: wire::FormalCancel) -> Json<Value> {
    let cancel_fee = Fen(sim.config.riders[platform].cancel_fee_fen);
    let mut st = sim.lock();
    let order = match find(&mut st, platform, &c.order_id) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let deduct = match order.order_status {
        status::LOOKING | status::ASSIGNED => Fen::ZERO,
        status::ACCEPTED | status::AT_SHOP => cancel_fee,
        _ => return fail(wire::CODE_STATUS, "订单状态不允许取消"),
    };
    order.order_status = status::CANCELLED;
    order.cancel_from = wire::CANCEL_FROM_MERCHANT;
    order.cancel_reason =
        if c.cancel_reason.is_empty() { format!("商家取消 ({})", c.cancel_reason_id) } else { c.cancel_reason };
    order.deduct_fee = deduct;
    order.steps.clear();
    let cb = callback(order);
    queue_callback(order, cb);
    drop(st);
    crate::flush_later(sim, Target::Rider(platform.into(), c.order_id));
    answer(Answer::success(wire::CancelResult { deduct_fee: deduct }))
}

fn status_query(sim: &Sim, platform: &str, q: wire::StatusQuery) -> Json<Value> {
    let mut st = sim.lock();
    let o = match find(&mut st, platform, &q.order_id) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let result = wire::StatusResult {
        order_id: o.origin_id.clone(),
        status_code: o.order_status,
        status_msg: status_msg(o.order_status).into(),
        transporter_name: o.rider.as_ref().map(|r| r.name.clone()),
        transporter_phone: o.rider.as_ref().map(|r| r.phone.clone()),
        transporter_lng: o.position.map(|p| p.1.to_string()),
        transporter_lat: o.position.map(|p| p.0.to_string()),
        delivery_fee: Some(o.fee.deliver_fee),
        tips: o.request.tips,
        actual_fee: Some(o.fee.fee),
        deduct_fee: Some(o.deduct_fee),
        distance: Some(f64::from(o.fee.distance)),
        order_finish_code: None,
        create_time: None,
        accept_time: None,
        fetch_time: None,
        finish_time: None,
        cancel_time: None,
    };
    answer(Answer::success(result))
}

fn status_msg(code: i64) -> &'static str {
    match code {
        status::LOOKING => "待接单",
        status::ACCEPTED => "待取货",
        status::PICKED_UP => "配送中",
        status::DELIVERED => "已完成",
        status::CANCELLED => "已取消",
        status::EXPIRED => "已过期",
        status::ASSIGNED => "指派单",
        status::RETURNING => "妥投异常之物品返回中",
        status::RETURNED => "妥投异常之物品返回完成",
        status::AT_SHOP => "骑士到店",
        status::CREATE_FAILED => "创建达达运单失败",
        _ => "",
    }
}
