//! The one message catalogue: every text in zh-CN (the default) and en, side by side, so
//! a text cannot exist in one language only. Errors are translated from their stable code.

use shared::app::PickScanReason;
use shared::app::{CameraReason, ErrorCode, ErrorReason, ErrorView, InboxCode, InputField, NotAllowedReason};
use shared::fulfillment::{FulfillmentKind, FulfillmentState};
use shared::order::Channel;
use shared::staff::Role;

/// A UI language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文 (default).
    Zh,
    /// English.
    En,
}

impl Lang {
    /// BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// From a tag; anything unknown is Chinese.
    pub fn from_tag(tag: &str) -> Lang {
        if tag.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    fn pick(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

macro_rules! catalogue {
    ($($key:ident => $zh:expr, $en:expr;)*) => {
        /// A text of the UI.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum K { $($key),* }

        /// Every key, for the catalogue checks.
        pub const ALL_KEYS: &[K] = &[$(K::$key),*];

        /// The text of `k` in `lang`.
        pub fn t(lang: Lang, k: K) -> &'static str {
            match k { $(K::$key => lang.pick($zh, $en)),* }
        }
    };
}

catalogue! {
    Accept => "接单", "Accept";
    AppVersion => "应用版本", "App version";
    Back => "返回", "Back";
    BarcodePlaceholder => "扫描或输入商品条码", "Scan or type the item barcode";
    CameraStart => "摄像头扫码", "Scan with camera";
    CameraStop => "关闭摄像头", "Stop camera";
    Cameras => "摄像头", "Cameras";
    Cancel => "取消", "Cancel";
    Carrier => "快递公司", "Courier company";
    CheckPhoneTail => "请核对顾客手机尾号", "Check the customer's phone number ending";
    ChooseManager => "选择店长", "Choose a manager";
    ChooseYourName => "请选择您的名字", "Tap your name";
    ConfirmIdCheck => "店长确认并交付", "Manager confirms and hands over";
    ConfirmPacked => "确认打包完成", "Confirm packed";
    Conflict => "冲突", "Conflict";
    ContinuePick => "继续拣货", "Continue picking";
    Cursor => "同步游标", "Sync cursor";
    Customer => "顾客", "Customer";
    DataDir => "数据目录", "Data folder";
    DataSize => "本地数据", "Local data";
    Diagnostics => "诊断信息", "Diagnostics";
    Done => "完成", "Done";
    DonePicking => "拣货完成，去打包", "Picked: go to packing";
    EnrollAgain => "重新注册设备", "Enroll again";
    EnrollCode => "注册码", "Enrollment code";
    EnrollIntro => "首次使用：输入总部提供的服务器地址和注册码，或扫描总部的注册二维码。", "First use: enter the server address and the enrollment code from HQ, or scan HQ's enrollment QR code.";
    EnrollScanHint => "可直接用扫码枪或摄像头扫描注册二维码。", "Scan the enrollment QR with a scanner or the camera.";
    EnrollScanPlaceholder => "或粘贴二维码内容", "Or paste the QR content";
    EnrollSubmit => "注册本设备", "Enroll this device";
    EnrollTitle => "设备注册", "Enroll device";
    Enrolled => "注册成功，正在下载门店数据", "Enrolled: downloading the store's data";
    Enrolling => "正在注册…", "Enrolling…";
    Enter => "确定", "Enter";
    FilterAll => "全部订单", "All orders";
    FilterCourier => "待揽收", "Awaiting courier";
    FilterReady => "待自提", "Pickup";
    FilterToAccept => "待接单", "To accept";
    FilterToPick => "待拣货", "To pick";
    Flagged => "待总部处理", "HQ follow-up";
    FlaggedLong => "此订单有冲突记录，总部会跟进处理。", "This order has a recorded conflict; HQ will follow up.";
    HandOver => "交付顾客", "Hand over";
    HandedOver => "已交付", "Handed over";
    HandoverScanHint => "扫描顾客的取货二维码，或输入 8 位取货码。无网络时也可核验。", "Scan the customer's pickup QR or type the 8-digit code. Works offline.";
    HandoverTitle => "自提交付", "Pickup hand-over";
    Hello => "您好，", "Hello,";
    HomeScanHint => "扫描顾客的取货二维码可直接打开对应订单。", "Scan a customer's pickup QR to open their order.";
    HomeTitle => "首页", "Home";
    IdCheckExplain => "顾客无法出示取货码时，由店长核验身份证件后交付。", "When the customer has no code, a manager checks their ID and approves.";
    IdNote => "核验记录", "ID checked";
    IdNotePlaceholder => "证件类型及尾号，如 身份证 1234", "ID type and last digits, e.g. ID card 1234";
    InboxEmpty => "没有需要处理的消息", "Nothing to review";
    InboxTitle => "消息", "Inbox";
    Language => "语言", "Language";
    LastSync => "上次同步", "last synced";
    Loading => "加载中…", "Loading…";
    LogIn => "登录", "Log in";
    LogOut => "退出登录", "Log out";
    LoginTitle => "店员登录", "Staff login";
    Manager => "店长", "Manager";
    ManagerIdCheck => "店长核验证件", "Manager ID check";
    ManagerPin => "店长 PIN", "Manager PIN";
    MarkRead => "标为已读", "Mark read";
    MarkReady => "放到自提柜台", "Mark ready for pickup";
    NoCamera => "未发现摄像头", "No camera found";
    NoOrders => "这里没有订单", "No orders here";
    NotEnrolled => "未注册", "Not enrolled";
    NotReadyForPickup => "此订单尚未到可自提状态", "This order is not ready for pickup";
    OfflineBody => "操作已保存在本机，网络恢复后自动同步。", "Your work is saved on this device and syncs when the network is back.";
    OfflineTitle => "离线", "Offline";
    Online => "在线", "Online";
    OpenOrder => "查看订单", "Open order";
    OrderTitle => "订单详情", "Order";
    OrdersOnDevice => "本机订单", "Orders on device";
    OrdersTitle => "订单", "Orders";
    PackBagged => "所有商品已装袋", "All items are in the bag";
    PackLabelled => "已贴订单标签", "Bag labelled with";
    PackTitle => "打包", "Pack";
    Packed => "已打包", "Packed";
    PendingOps => "待同步操作", "Actions to sync";
    PickNotComplete => "还有商品未扫描，请返回拣货", "Some items are not scanned yet; go back to picking";
    PickScanPrompt => "请扫描商品条码", "Scan an item's barcode";
    PickTitle => "拣货", "Pick";
    PickupCode => "取货码", "Pickup code";
    PinPlaceholder => "输入 PIN", "Enter PIN";
    Protocol => "协议", "protocol";
    ReasonDamaged => "商品破损", "Item damaged";
    ReasonNotFound => "找不到商品", "Item not found";
    ReasonOutOfStock => "库存不足", "Out of stock";
    ReasonPlaceholder => "原因", "Reason";
    ReceiptHint => "请顾客扫描此二维码留存交付凭证。", "The customer may scan this QR as their receipt.";
    RecordTracking => "记录运单号", "Record tracking number";
    Refused => "被拒绝", "Refused";
    Reject => "拒单", "Reject";
    RejectReason => "拒单原因", "Reject reason";
    RejectTitle => "拒绝此订单？订单将改派其他门店。", "Reject this order? It will be rerouted to another node.";
    RequestCourier => "呼叫快递", "Request courier";
    ResolutionNote => "总部说明", "HQ's note";
    Resolved => "总部已处理", "Resolved by HQ";
    Retry => "重试", "Retry";
    Saved => "已保存", "Saved";
    ScanHint => "扫码枪可在任意界面直接扫描。", "Handheld scanners work on any screen.";
    Server => "服务器", "Server";
    ServerUrl => "服务器地址", "Server address";
    SettingsTitle => "设置", "Settings";
    ShortConfirm => "确认缺货", "Confirm shortage";
    ShortExplain => "已扫描的商品照常履约，缺少的件数由总部改派。", "Scanned items are fulfilled; HQ reroutes the missing units.";
    ShortPick => "缺货", "Short pick";
    ShortReported => "已上报缺货，缺少的商品将改派", "Shortage reported; missing items will be rerouted";
    ShortTitle => "上报缺货", "Report a shortage";
    StaffNotYetDownloaded => "门店数据正在下载，请稍候…", "The store's data is still downloading…";
    StartOver => "重新扫描", "Start over";
    StartPick => "开始拣货", "Start picking";
    Sync => "同步", "Sync";
    SyncDone => "同步完成", "Synced";
    SyncDownloading => "下载中", "Downloading";
    SyncNow => "立即同步", "Sync now";
    SyncOffline => "离线", "Offline";
    SyncPending => "项待同步", "to sync";
    SyncSyncing => "同步中…", "Syncing…";
    SyncUpToDate => "已同步", "Up to date";
    TrackingNo => "运单号", "Tracking number";
    Units => "件", "items";
    VerifyAndHandOver => "核验并交付", "Verify and hand over";
    WaitingForSync => "有操作等待同步到总部", "Changes are waiting to sync with HQ";
}

/// An order state's name.
pub fn state_label(lang: Lang, s: FulfillmentState) -> &'static str {
    use FulfillmentState as S;
    match s {
        S::Routed => lang.pick("待接单", "To accept"),
        S::Accepted => lang.pick("已接单", "Accepted"),
        S::Picking => lang.pick("拣货中", "Picking"),
        S::Packed => lang.pick("已打包", "Packed"),
        S::ReadyForPickup => lang.pick("待自提", "Ready for pickup"),
        S::PickedUp => lang.pick("已自提", "Picked up"),
        S::AwaitingCourier => lang.pick("待揽收", "Awaiting courier"),
        S::Dispatched => lang.pick("已发货", "Dispatched"),
        S::Delivered => lang.pick("已送达", "Delivered"),
        S::Rejected => lang.pick("已拒单", "Rejected"),
        S::Cancelled => lang.pick("已取消", "Cancelled"),
    }
}

/// How the customer gets the order.
pub fn kind_label(lang: Lang, k: FulfillmentKind) -> &'static str {
    match k {
        FulfillmentKind::Pickup => lang.pick("到店自提", "Store pickup"),
        FulfillmentKind::Ship => lang.pick("门店发货", "Ship from store"),
        FulfillmentKind::SameCity => lang.pick("同城配送", "Same-city delivery"),
    }
}

/// A sales channel's name.
pub fn channel_label(lang: Lang, c: Channel) -> &'static str {
    match c {
        Channel::Tmall => lang.pick("天猫", "Tmall"),
        Channel::Jd => lang.pick("京东", "JD"),
        Channel::Douyin => lang.pick("抖音", "Douyin"),
        Channel::MiniProgram => lang.pick("小程序", "Mini program"),
        Channel::Store => lang.pick("门店", "Store"),
    }
}

/// A role's name.
pub fn role_label(lang: Lang, r: Role) -> &'static str {
    match r {
        Role::Associate => lang.pick("店员", "Associate"),
        Role::Manager => lang.pick("店长", "Manager"),
    }
}

/// What an inbox code means; a code this UI does not know is shown as it came.
pub fn inbox_code_text(lang: Lang, code: &str) -> String {
    use InboxCode as C;
    let Some(known) = InboxCode::parse(code) else {
        return code.replace('_', " ");
    };
    let text = match known {
        C::StaleState | C::IllegalTransition => lang.pick("订单状态已在别处变更", "The order changed elsewhere first"),
        C::AlreadyHandedOver => lang.pick("此订单已由其他设备交付", "Another device already handed this order over"),
        C::Cancelled => lang.pick("订单已被取消", "The order was cancelled"),
        C::InsufficientStock => lang.pick("库存不足", "Not enough stock"),
        C::NotFound => lang.pick("总部找不到相关记录", "HQ has no such record"),
        C::HandedOverAfterCancel => lang.pick(
            "交付时订单已被总部取消或改派，总部将跟进",
            "The order was cancelled or rerouted at HQ before the hand-over; HQ will follow up",
        ),
        C::HandedOverEarly => {
            lang.pick("交付时订单尚未备妥，总部将核对", "The order was handed over before it was ready; HQ will check")
        }
        C::UnknownStaff => lang.pick(
            "操作人员不是本店在职员工，总部将核对",
            "The staff member is not active at this store; HQ will check",
        ),
        C::StockMovedDuringCount | C::CountBelowReserved => {
            lang.pick("盘点数量与系统不符，总部将核对", "The count differs from the system; HQ will check")
        }
        C::UnverifiedHandover => {
            lang.pick("交付未经核验，总部将跟进", "The hand-over was not verified; HQ will follow up")
        }
        C::ManagerApprovalMissing | C::ManagerApprovalUnproven => lang.pick(
            "此退货需店长在本机输入 PIN 确认",
            "This return needs a manager to confirm with their PIN on the device",
        ),
        C::CountIdReused | C::ReturnIdReused => lang.pick(
            "同一单据以不同内容重复提交，总部将核对",
            "The same record was sent again with other content; HQ will check",
        ),
    };
    text.to_string()
}

/// Formats a time (ms) in the device's zone, in the UI language.
pub fn time_text(ms: i64, lang: Lang) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    String::from(date.to_locale_string(lang.tag(), &wasm_bindgen::JsValue::UNDEFINED))
}

fn until_text(lang: Lang, until_ms: Option<i64>) -> String {
    until_ms.map(|ms| time_text(ms, lang)).unwrap_or_default()
}

/// An error in `lang`, from its stable code and details. Every code has its text here:
/// a code added in `shared` does not compile until it is translated.
pub fn error_text(lang: Lang, e: &ErrorView) -> String {
    use ErrorCode as C;
    let n = |v: Option<u32>| v.map(|x| x.to_string()).unwrap_or_default();
    match e.error {
        C::WrongPin => match lang {
            Lang::Zh => format!("PIN 错误，还可尝试 {} 次", n(e.attempts_left)),
            Lang::En => format!("Wrong PIN; {} tries left", n(e.attempts_left)),
        },
        C::LockedOut => match lang {
            Lang::Zh => format!("错误次数过多，已锁定至 {}", until_text(lang, e.until_ms)),
            Lang::En => format!("Too many wrong tries; locked until {}", until_text(lang, e.until_ms)),
        },
        C::WrongPickupCode => match lang {
            Lang::Zh => format!("取货码不正确，还可尝试 {} 次", n(e.attempts_left)),
            Lang::En => format!("The pickup code does not match this order; {} tries left", n(e.attempts_left)),
        },
        C::NotAllowed => not_allowed_text(lang, e),
        C::PickScan => pick_scan_text(lang, e),
        C::NotEnrolled => lang
            .pick(
                "本设备尚未注册，请输入服务器地址和总部提供的注册码",
                "This device is not enrolled: enter the server address and HQ's enrollment code",
            )
            .into(),
        C::Revoked => lang
            .pick("总部已停用本设备，请使用新注册码重新注册", "HQ revoked this device: enroll it again with a new code")
            .into(),
        C::IncompatibleServer => lang
            .pick(
                "服务器版本与应用不兼容，请更新应用或服务器",
                "The server speaks another protocol version: update the app or the server",
            )
            .into(),
        C::Offline => lang
            .pick(
                "无法连接服务器，当前离线工作，操作会在恢复网络后同步",
                "The server cannot be reached: working offline, your work will sync later",
            )
            .into(),
        C::Server => match lang {
            Lang::Zh => format!("服务器拒绝了请求：{}", e.message),
            Lang::En => format!("The server refused: {}", e.message),
        },
        C::CorruptResponse => lang
            .pick(
                "服务器返回的数据无法读取，本机数据未改变",
                "The server's answer could not be read; nothing was changed",
            )
            .into(),
        C::Storage => match lang {
            Lang::Zh => format!("本机数据库出错：{}", e.message),
            Lang::En => format!("The local database failed: {}", e.message),
        },
        C::NotFound => lang.pick("本机找不到该记录，请先同步", "Not found on this device: sync first").into(),
        C::NotLoggedIn => lang.pick("请先用 PIN 登录", "Log in with your PIN first").into(),
        C::NotManager => lang.pick("需要店长的 PIN 才能核验证件", "A manager's PIN is needed for an ID check").into(),
        C::InvalidInput => invalid_input_text(lang, e),
        C::Camera => camera_text(lang, e),
        C::NotAnEnrollmentCode => lang
            .pick("这不是注册二维码，请扫描总部提供的注册码", "That is not an enrollment QR: scan the code from HQ")
            .into(),
        C::ScanOnHome => lang
            .pick(
                "请先打开订单再扫描商品；取货二维码可在此直接扫描",
                "Open an order before scanning items; pickup QR codes work here",
            )
            .into(),
        C::QrForAnotherOrder => {
            lang.pick("这张取货二维码属于其他订单", "That pickup QR belongs to another order").into()
        }
        C::NotAPickupCode => lang.pick("这不是取货码", "That is not a pickup code").into(),
        C::Settings => lang.pick("设置未能保存", "Settings could not be saved").into(),
        C::Internal | C::Unknown => something_went_wrong(lang, e),
    }
}

fn something_went_wrong(lang: Lang, e: &ErrorView) -> String {
    match lang {
        Lang::Zh => format!("出错了：{}", e.message),
        Lang::En => format!("Something went wrong: {}", e.message),
    }
}

fn not_allowed_text(lang: Lang, e: &ErrorView) -> String {
    use NotAllowedReason as R;
    let Some(ErrorReason::NotAllowed(reason)) = e.reason else {
        return match lang {
            Lang::Zh => format!("当前无法执行此操作：{}", e.message),
            Lang::En => format!("Not possible now: {}", e.message),
        };
    };
    match reason {
        R::PickupCodeExpired => lang.pick(
            "取货码已过期，请联系总部重新发码或由店长核验证件",
            "The pickup code has expired: ask HQ for a new one, or use a manager's ID check",
        ),
        R::NoHqKey => lang.pick(
            "本机尚无总部密钥，无法核验取货二维码：请输入 8 位取货码，或重新注册设备",
            "This device cannot check pickup QR codes yet: type the 8-digit code, or enrol the device again",
        ),
        R::NoPickupCode => lang.pick(
            "取货码尚未同步到本机，请同步或由店长核验证件",
            "The pickup code has not reached this device yet: sync, or use a manager's ID check",
        ),
        R::NotPicking => lang.pick("请先开始拣货再扫描商品", "Start picking this order before scanning items"),
        R::UnknownStaff => lang.pick("账号已失效，请重新登录", "Your account is no longer active; log in again"),
    }
    .into()
}

fn pick_scan_text(lang: Lang, e: &ErrorView) -> String {
    let sku = e.sku_code.clone().unwrap_or_default();
    let unknown_barcode = || match lang {
        Lang::Zh => format!("条码 {} 不在商品目录中", e.barcode.clone().unwrap_or_default()),
        Lang::En => format!("Barcode {} is not in the catalogue", e.barcode.clone().unwrap_or_default()),
    };
    let Some(ErrorReason::PickScan(reason)) = e.reason else {
        return unknown_barcode();
    };
    match reason {
        PickScanReason::WrongItem => match lang {
            Lang::Zh => format!("商品 {sku} 不在此订单中"),
            Lang::En => format!("{sku} is not in this order"),
        },
        PickScanReason::TooMany => match lang {
            Lang::Zh => format!("商品 {sku} 已拣够 {} 件", e.qty.unwrap_or(0)),
            Lang::En => format!("All {} of {sku} are already picked", e.qty.unwrap_or(0)),
        },
        PickScanReason::UnknownBarcode => unknown_barcode(),
    }
}

fn invalid_input_text(lang: Lang, e: &ErrorView) -> String {
    let typed = || match lang {
        Lang::Zh => format!("输入有误：{}", e.message),
        Lang::En => format!("Invalid input: {}", e.message),
    };
    let Some(field) = e.field else {
        return typed();
    };
    match field {
        InputField::ServerUrl => lang
            .pick("服务器地址须以 http:// 或 https:// 开头", "The server address must start with http:// or https://")
            .into(),
        InputField::Code => lang.pick("请输入总部提供的注册码", "Enter the enrollment code from HQ").into(),
        InputField::Note => lang
            .pick(
                "请记录证件类型及尾号（至少 4 个字符）",
                "Note the ID type and its last digits (at least 4 characters)",
            )
            .into(),
        InputField::Reason => lang.pick("请选择或填写原因", "Choose or type a reason").into(),
        InputField::Language | InputField::Other => typed(),
    }
}

fn camera_text(lang: Lang, e: &ErrorView) -> String {
    let failed = || match lang {
        Lang::Zh => format!("摄像头无法使用：{}", e.message),
        Lang::En => format!("The camera cannot scan: {}", e.message),
    };
    let Some(ErrorReason::Camera(reason)) = e.reason else {
        return failed();
    };
    match reason {
        CameraReason::NoCamera => lang
            .pick(
                "未发现摄像头：请连接摄像头，或用扫码枪/手动输入",
                "No camera found: connect one, or use a scanner or type the code",
            )
            .into(),
        CameraReason::Busy => lang.pick("摄像头被其他程序占用", "Another program is using the camera").into(),
        CameraReason::Failed | CameraReason::UseOsScanner => failed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_exists_in_both_languages_and_differs_where_it_should() {
        for &k in ALL_KEYS {
            for lang in [Lang::Zh, Lang::En] {
                assert!(!t(lang, k).trim().is_empty(), "{k:?} is empty in {lang:?}");
            }
            // Chinese texts must be Chinese: a copy of the English one is a missed translation.
            assert_ne!(t(Lang::Zh, k), t(Lang::En, k), "{k:?} is not translated");
        }
    }

    #[test]
    fn errors_are_translated_from_their_code_and_details() {
        let e = ErrorView { error: ErrorCode::WrongPin, attempts_left: Some(2), ..Default::default() };
        assert_eq!(error_text(Lang::Zh, &e), "PIN 错误，还可尝试 2 次");
        assert_eq!(error_text(Lang::En, &e), "Wrong PIN; 2 tries left");
        let e = ErrorView { error: ErrorCode::WrongPickupCode, attempts_left: Some(4), ..Default::default() };
        assert_eq!(error_text(Lang::Zh, &e), "取货码不正确，还可尝试 4 次");
        let e = ErrorView {
            error: ErrorCode::PickScan,
            reason: Some(ErrorReason::PickScan(PickScanReason::WrongItem)),
            sku_code: Some("SKU-9".into()),
            ..Default::default()
        };
        assert_eq!(error_text(Lang::En, &e), "SKU-9 is not in this order");
        // A code from a newer shell: the wire's "brand_new" reads as Unknown.
        let unknown = ErrorView { error: ErrorCode::Unknown, message: "details".into(), ..Default::default() };
        assert_eq!(error_text(Lang::En, &unknown), "Something went wrong: details");
    }

    #[test]
    fn refusals_of_the_replicas_rules_and_inbox_codes_are_translated() {
        let not_manager = ErrorView { error: ErrorCode::NotManager, staff_id: Some("A1".into()), ..Default::default() };
        assert_eq!(error_text(Lang::Zh, &not_manager), "需要店长的 PIN 才能核验证件");
        let input = |field| ErrorView { error: ErrorCode::InvalidInput, field: Some(field), ..Default::default() };
        assert_eq!(error_text(Lang::Zh, &input(InputField::Note)), "请记录证件类型及尾号（至少 4 个字符）");
        assert_eq!(error_text(Lang::En, &input(InputField::Reason)), "Choose or type a reason");
        let expired = ErrorView {
            error: ErrorCode::NotAllowed,
            reason: Some(ErrorReason::NotAllowed(NotAllowedReason::PickupCodeExpired)),
            ..Default::default()
        };
        assert!(error_text(Lang::En, &expired).starts_with("The pickup code has expired"));
        let other = ErrorView {
            error: ErrorCode::NotAllowed,
            reason: Some(ErrorReason::Other("illegal_transition".into())),
            message: "order is packed".into(),
            ..Default::default()
        };
        assert_eq!(error_text(Lang::En, &other), "Not possible now: order is packed");
        assert_eq!(inbox_code_text(Lang::Zh, "handed_over_early"), "交付时订单尚未备妥，总部将核对");
        assert_eq!(inbox_code_text(Lang::En, "brand_new_code"), "brand new code");
        for lang in [Lang::Zh, Lang::En] {
            assert_eq!(shared::input::check_language(lang.tag()), Ok(()), "the shell refuses {lang:?}");
        }
    }
}
