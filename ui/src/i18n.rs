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
    HandoverScanHint => "在上面输入 8 位取货码，或用扫码枪、摄像头扫描顾客的取货二维码。无网络时也可核验。", "Type the 8-digit code above, or scan the customer's pickup QR with a scanner or the camera. Works offline.";
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
    // --- polish ---
    ChooseOrder => "在左侧选择一个订单，详情和操作显示在这里。", "Choose an order on the left: its details and actions show here.";
    PickupCodeOrScan => "输入取货码，或扫描顾客的取货二维码", "Type the code, or scan the customer's QR";
    NothingOverdue => "没有超时的订单", "Nothing is overdue";
    // --- returns ---
    AllReturned => "此行已全部退回", "Every unit of this line is back already";
    AlreadyReturned => "已退", "returned";
    ApprovalAbove => "退款超过", "The refund is above";
    ApprovalAboveEnd => "，需店长输入 PIN 批准", ": a manager approves with their PIN";
    ApproveAndConfirm => "店长批准并确认退货", "Manager approves: confirm the return";
    ConfirmExchange => "确认换货", "Confirm the exchange";
    ConfirmReturn => "确认退货", "Confirm the return";
    ConfirmReturnWithManager => "确认退货（需店长批准）", "Confirm the return (manager approval)";
    ExchangeAddress => "收货地址", "Delivery address";
    ExchangeCustomerName => "顾客姓名", "Customer's name";
    ExchangeCustomerPhone => "顾客手机号", "Customer's mobile";
    ExchangeFreeHere => "本店可售", "free on this shelf";
    ExchangeBeyondShelf => "超出本店可售库存：如顾客已当场拿走，照实记录，总部会为受影响的订单改派", "More than this shelf has free: if the customer takes it now, record it as it happened; HQ reroutes the orders it leaves short";
    ExchangeFromShelf => "本店现货，当场交付", "From this shelf, hand over now";
    ExchangeInPlaceOf => "点选顾客要换掉的那件（差价按其退款计算）", "Tap the item being exchanged (the difference is taken against its refund)";
    ExchangeGets => "应退顾客差价", "Difference refunded to the customer:";
    ExchangeHandedOver => "换货完成，商品已交给顾客", "Exchanged: the item is handed over";
    ExchangeNewItem => "换成的商品", "The item exchanged for";
    ExchangeNewPrice => "新商品价格", "New item's price";
    ExchangeNoDifference => "无差价", "No price difference";
    ExchangeOrdered => "换货订单已下，等待总部确认", "Exchange ordered: waiting for HQ to confirm";
    ExchangePaymentRef => "收银小票号（补差价或换货单）", "Till reference (difference paid, or the exchange slip)";
    ExchangePays => "顾客需补差价", "The customer pays the difference:";
    ExchangePickupHere => "全网调货，到本店自提", "From the network, collect here later";
    ExchangePlaced => "换货已提交", "Exchange placed";
    ExchangeReturned => "已退商品", "Returned";
    ExchangeScanItem => "扫描或输入顾客要换的尺码/颜色的商品条码", "Scan or type the barcode of the size or colour the customer wants";
    ExchangeShip => "全网调货，快递到家", "From the network, shipped to the customer";
    ExchangeTitle => "换货", "Exchange";
    ExchangedFor => "已换货，新订单", "Exchanged; new order";
    FinalSaleNote => "清仓/最终销售商品，不可退货", "Final sale / clearance: not returnable";
    MatchedAtSync => "离线退货：同步时由总部匹配原订单，退款金额届时确定", "Offline return: HQ matches it to the order at sync and sets the refund then";
    NoReturnsYet => "本机还没有退货记录。退货完成后，退货单和退款进度会显示在这里。", "No returns on this device yet. Receipts and refund progress show here once goods come back.";
    OfflineManagerApproves => "小票金额较大：店长输入 PIN 批准", "A large receipt: a manager approves with their PIN";
    OfflineReturnNote => "无法连接总部：按小票退货，商品立即入库，同步时匹配订单并确定退款", "HQ cannot be reached: take the goods back against the receipt; stock is booked now, the order is matched and the refund set at sync";
    OfflineReturnTitle => "按小票退货（离线）", "Return against the receipt (offline)";
    ReceiptOrderNumber => "小票上的渠道和订单号", "Channel and order number on the receipt";
    RecentReturns => "本机最近退货", "Recent returns on this device";
    RefundAtSync => "离线退货不预估退款：同步时由总部按原订单计算", "No refund is quoted offline: HQ sets it from the order at sync";
    RefundAtSyncShort => "同步后确定", "set at sync";
    RefundGoods => "商品退款", "Goods";
    RefundOriginalChannel => "退款将原路退回顾客的支付渠道", "The refund goes back through the channel the customer paid with";
    RefundProgress => "退款进度", "Refund progress";
    RefundShipping => "运费退款", "Shipping";
    RefundTotal => "退款合计", "Refund total";
    ReturnApprovedBy => "批准店长", "Approved by";
    ReturnBy => "可退至", "returnable until";
    ReturnChannelNumber => "渠道订单号", "Channel order number";
    ReturnChooseOrder => "找到多个订单，请选择", "Several orders match: choose one";
    ReturnChooseUnits => "请选择要退的商品和件数", "Choose the items and units to take back";
    ReturnCodePlaceholder => "扫描小票二维码或输入订单号", "Scan the receipt's QR or type the order number";
    ReturnFind => "查找", "Find";
    ReturnFindHint => "扫描顾客小票或渠道 App 上的订单二维码，或输入订单号，或用手机尾号加姓名查找。", "Scan the order QR on the receipt or the channel app, type the order number, or search by phone ending and name.";
    ReturnFindOrder => "查找原订单", "Find the original order";
    ReturnManagerApproval => "店长批准退货", "Manager approval";
    ReturnNamePlaceholder => "下单姓名", "Name on the order";
    ReturnNotePlaceholder => "请说明原因", "Say why";
    ReturnOrderCode => "订单二维码或订单号", "Order QR or number";
    ReturnOrderedAt => "下单", "ordered";
    ReturnPaid => "实付", "paid";
    ReturnPhoneAndName => "手机尾号 4 位 + 姓名", "Phone's last 4 digits + name";
    ReturnReasonLabel => "退货原因", "Reason";
    ReturnReceipt => "退货单", "Return receipt";
    ReturnRefund => "退款", "Refund";
    ReturnSellingStore => "销售门店", "Sold by store";
    ReturnSold => "已售", "sold";
    ReturnTaken => "退货已完成，商品已入库", "Return taken: the stock is booked";
    ReturnUnitPrice => "单价", "unit";
    ReturnWithoutLookup => "无法联网？按小票退货", "No connection? Return against the receipt";
    ReturnableUpTo => "最多可退", "returnable:";
    ReturnsTitle => "退换货", "Returns";
    ScanReturnedItems => "逐件扫描退回商品的条码", "Scan the barcode of each item brought back";
    // --- aisle ---
    AisleAddress => "收货地址", "Delivery address";
    AisleAlternatives => "可替代：其他尺码/颜色、其他门店", "Instead: other sizes or colours, other stores";
    AisleAvailability => "全网库存", "Network availability";
    AisleBeyondLease => "超出本店可承诺库存：订单仍会提交，由总部确认", "More than this store can promise: the order is still sent and HQ confirms it";
    AisleChooseStore => "选择门店", "Choose a store";
    AisleConfirmed => "已确认", "Confirmed";
    AisleConfirmedBody => "总部已接单，顾客将收到短信（订单号，随后是物流单号或提货码）。", "HQ took the order; the customer gets a text with the order number, then tracking or a pickup code.";
    AisleCustomerName => "顾客姓名", "Customer's name";
    AisleCustomerPhone => "顾客手机号", "Customer's mobile";
    AisleGridLegend => "大号数字：本店可售件数；小号：全网件数（快照）", "Big number: units this store can sell; small: units in the network (snapshot)";
    AisleHere => "本店可售", "This store can sell";
    AisleHereFromNetwork => "本店无货：将从其他仓库或门店调货到本店，顾客到店自提", "None here: HQ sends it from another node for the customer to collect here";
    AisleHowDelivered => "取货方式", "How the customer gets it";
    AisleHqStatus => "总部状态", "HQ status";
    AisleLease => "离线可承诺", "safe offline";
    AisleLiveAsOf => "实时查询于", "Live, read at";
    AisleNetworkShort => "全网", "network";
    AisleNetworkSnapshot => "全网可售（快照）", "Network units (snapshot)";
    AisleNetworkTotal => "全网合计", "Network total";
    AisleNewOrder => "下一单", "Next order";
    AisleNoAlternatives => "暂无可替代的尺码或门店", "No other size or store to offer";
    AisleNoPickupStores => "没有有货且可自提的门店（离线时无法查询）", "No store with stock offers pickup (not known offline)";
    AisleNoSnapshot => "本机还没有库存快照", "This device has no snapshot yet";
    AisleNotAtHq => "总部没有此商品的库存数据", "HQ has no stock data for this item";
    AisleNotConfirmed => "尚未确认", "Not yet confirmed";
    AisleNotConfirmedBody => "订单已保存在本机，网络恢复后自动提交总部确认。", "The order is saved on this device and goes to HQ when the network is back.";
    AisleOffersPickup => "可自提", "pickup";
    AisleOnShelf => "货架", "on the shelf";
    AisleOrderNo => "订单号", "Order number";
    AislePaymentHint => "请先在收银台收款，再填写支付单号；本应用不收款。", "Take the payment at the till first, then type its reference; this app takes no payments.";
    AislePaymentRef => "收银支付单号", "Till payment reference";
    AislePickCell => "请在尺码表中选择颜色和尺码", "Choose a colour and size in the grid";
    AislePickupElsewhere => "到其他门店自提", "Pick up at another store";
    AislePickupHere => "稍后到本店自提", "Pick up here later";
    AislePickupStore => "自提门店", "Pickup store";
    AislePlace => "提交订单", "Place the order";
    AislePlaceTitle => "为顾客下单", "Order for the customer";
    AislePlacing => "正在提交，等待总部确认…", "Sending, waiting for HQ…";
    AisleQty => "数量", "Quantity";
    AisleRefresh => "刷新", "Refresh";
    AisleRefused => "总部拒绝了此订单", "HQ refused this order";
    AisleSearchPlaceholder => "扫描商品，或输入款号/名称", "Scan the item, or type a style code or name";
    AisleShelfSafe => "商品取自本店货架，在本店库存租约内，可放心承诺。", "From this store's shelf within its stock lease: safe to promise.";
    AisleShip => "快递到家", "Ship to address";
    AisleShipsFrom => "发货节点", "Ships from";
    AisleSnapshotOf => "快照时间", "snapshot of";
    AisleSnapshotTitle => "离线：以下是库存快照，不是实时库存", "Offline: this is a stored snapshot, not live stock";
    AisleStart => "扫描顾客手中的商品或吊牌，或输入款号、名称查找。", "Scan the item the customer holds or its tag, or type a style code or name.";
    AisleTellCustomerQueued => "请告知顾客：订单尚未确认，确认或无法成立都会短信通知。", "Tell the customer: the order is not confirmed yet; they will be told either way.";
    AisleTellCustomerRefused => "请告知顾客：订单未能成立，请在收银台按支付单号退款，或改选其他尺码/门店。", "Tell the customer: the order could not be placed; refund them at the till, or offer another size or store.";
    AisleThisStore => "本店", "This store";
    AisleTitle => "缺货代订", "Endless aisle";
    AisleUnrouted => "未能分配的件数", "Units not placed";
    PlacedOrdersEmpty => "本机还没有代订订单", "No orders placed on this device yet";
    PlacedOrdersTitle => "代订订单", "Placed orders";
    // --- courier ---
    AddParcel => "添加包裹", "Add a parcel";
    AllInParcels => "全部商品已装箱", "Every picked unit is in a parcel";
    AskAgain => "重新呼叫", "Ask again";
    BookingAtHq => "总部正在向配送平台下单…", "HQ is booking it with the platform…";
    BookingDone => "包裹已离店，配送进度见订单", "The parcels have left the store";
    BookingQueued => "已排队——本机同步后由总部下单", "Queued — HQ books it when this device syncs";
    BookingTitle => "配送进度", "Delivery";
    CallRider => "拨打电话", "Call";
    ChangePacking => "修改装箱", "Change the packing";
    CheckAndHandToCourier => "核验并交货", "Check and hand over";
    ChooseCarrier => "选择快递公司", "Choose the carrier";
    ConfirmParcels => "装箱完成，选择配送方式", "Packed: choose how it leaves";
    CourierDistance => "距离", "Distance";
    CourierEtaDelivery => "预计送达", "Expected delivery";
    CourierEtaStore => "预计到店", "Expected at the store";
    CourierFee => "配送费", "Fee";
    CourierHandoverTitle => "交给骑手/快递员", "Hand over to the courier";
    CourierPlatform => "配送平台", "Platform";
    CourierRequested => "已提交配送请求", "Courier requested";
    CourierTip => "小费", "Tip";
    Grams => "克", "g";
    HandToCourier => "交给骑手/快递员", "Hand over to the courier";
    HandedToCourier => "已交货，订单已发出", "Handed over: the order has left the store";
    LabelScanHint => "用扫码枪或摄像头扫描任一包裹面单上的运单条码，或手动输入。", "Scan the waybill barcode on any parcel's label with a scanner or the camera, or type it.";
    Labels => "面单", "Labels";
    MethodExpress => "快递", "Express";
    MethodExpressHint => "总部向顺丰下单，本店打印面单贴在包裹上，交给上门的快递员。", "HQ books an SF waybill; print the labels, stick them on the parcels and hand them to the courier.";
    MethodManual => "自行联系快递", "Carrier booked by hand";
    MethodManualHint => "已自行联系快递：选择快递公司并录入运单号，包裹即视为发出。", "You booked a carrier yourself: choose it and enter its tracking number; the parcels count as sent.";
    MethodSameCity => "同城骑手", "Same-city rider";
    MethodSameCityHint => "总部向同城配送平台派单，骑手到店取货，骑手取消时自动重新派单。", "HQ dispatches a rider from the same-city platforms; the rider collects here, and HQ re-dispatches if a rider cancels.";
    NoCourierYet => "尚未呼叫快递或骑手", "No courier asked for yet";
    NotAwaitingCourierYet => "骑手或快递尚未接单，暂时不能交货", "No courier is coming yet: the parcels cannot be handed over now";
    PackIntoParcels => "打包装箱", "Pack into parcels";
    PlatformOrderNo => "平台单号", "Platform order no.";
    Parcel => "包裹", "Parcel";
    ParcelCurrent => "当前", "current";
    ParcelEmpty => "空包裹：扫描要装入的商品", "Empty: scan what goes in";
    ParcelScanHint => "扫描商品条码装入当前包裹，或点 + / − 调整件数。", "Scan each item into the current parcel, or tap + / −.";
    ParcelWeight => "重量（克，电子秤读数）", "Weight (g, from the scale)";
    ParcelWeightSave => "保存重量", "Save weight";
    Parcels => "个包裹", "parcels";
    ParcelsTitle => "打包装箱", "Pack into parcels";
    RecordAndSend => "录入运单并发出", "Record and send";
    RemoveParcel => "删除", "Remove";
    RequestExpress => "呼叫快递（总部下单）", "Book express (HQ books it)";
    RequestRider => "呼叫骑手", "Call a rider";
    Rider => "骑手", "Rider";
    RiderArrivedBanner => "骑手已到店：请核对取货码后交货", "The rider is at the store: check their code and hand over";
    RiderCode => "骑手取货码", "Rider's pickup code";
    RiderCodeHint => "请骑手出示其 App 上本单的取货码，核对一致后再交货。", "Ask the rider for this order's pickup code in their app; hand over only when it matches.";
    RiderCodePlaceholder => "输入骑手出示的取货码", "Type the code the rider shows";
    RidersWaiting => "骑手已到店", "Riders at the store";
    SameCityNotOffered => "顾客不在同城配送范围内，或本店未开通同城配送：请使用快递。", "The customer is outside the same-city radius, or no rider platform serves this store: send it by express.";
    ServicePriority => "特快", "Priority";
    ServiceStandard => "标快", "Standard";
    ShipOfflineHint => "离线也可呼叫：请求先保存在本机，同步后由总部下单。", "Works offline: the request is kept here and HQ books it when the device syncs.";
    ShipTitle => "选择配送方式", "How it leaves";
    ToPack => "待装箱", "to pack";
    TrackingNoPlaceholder => "扫描或输入运单号", "Scan or type the tracking number";
    ViewBooking => "查看配送", "View delivery";
    WaybillPlaceholder => "扫描或输入面单运单号", "Scan or type the label's waybill number";
    Waybills => "运单号", "Waybills";
    // --- print ---
    PrintTitle => "打印", "Print";
    PrintSystem => "打印 / Print", "Print";
    PrintThermal => "热敏打印 / Thermal print", "Thermal print";
    PrintThermalSending => "正在发送到打印机…", "Sending to the printer…";
    PrintThermalDone => "已发送到打印机", "Sent to the printer";
    PrintLabel => "打印面单", "Print label";
    PrintPackingSlip => "打印装箱单", "Print packing slip";
    PrintPickupReceipt => "打印自提凭证", "Print pickup receipt";
    PrintReturnReceipt => "打印退货凭证", "Print return receipt";
    PrintNoLabel => "还没有面单：快递尚未下单。总部下单后面单会同步到本机，请先呼叫快递并同步。", "No label yet: the courier has not been booked. HQ sends the label once it booked the waybill: request a courier and sync.";
    PrintNoSuchParcel => "此订单没有这个包裹的面单", "This order has no label for that parcel";
    PrintNoPrinter => "未设置热敏打印机：可用“打印”走系统打印，或在设置中填写打印机地址。", "No thermal printer is set: use Print for the system dialog, or enter the printer's address in settings.";
    PrintOpenSettings => "去设置", "Open settings";
    PrinterTitle => "热敏打印机", "Thermal printer";
    PrinterAddress => "打印机地址（主机:端口）", "Printer address (host:port)";
    PrinterAddressHint => "网络打印机的 IP 或名称，端口默认 9100；留空表示不使用热敏打印机。", "The network printer's IP or name; the port defaults to 9100. Leave empty for no thermal printer.";
    PrinterPaper => "纸宽", "Paper width";
    Paper58 => "58 毫米小票", "58 mm receipt";
    Paper80 => "80 毫米小票", "80 mm receipt";
    Paper100 => "100 毫米面单", "100 mm label";
    PrinterSave => "保存打印机", "Save printer";
    PrinterSaved => "打印机设置已保存", "Printer saved";
    PrinterNone => "未设置", "Not set";
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
        Channel::EmployeeStore => lang.pick("员工内购", "Employee store"),
        Channel::Outlet => lang.pick("奥莱", "Outlet"),
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
        // --- returns ---
        C::UnknownOrder => lang.pick(
            "退货未匹配到订单：商品已入库，总部将核对小票并跟进退款",
            "The return matched no order: the stock is booked; HQ checks the receipt and follows up the refund",
        ),
        C::UnknownSku | C::UnknownLine => {
            lang.pick("退回的商品不在原订单中，总部将核对", "A returned item is not on the order; HQ will check")
        }
        C::DuplicateReturn | C::MoreThanReturnable => lang.pick(
            "退回件数超出可退数量（可能已在别处退过），超出部分不退款，总部将核对",
            "More units than were returnable (returned elsewhere already?): no refund for those; HQ will check",
        ),
        C::FinalSale => lang
            .pick("清仓商品被退回，不予退款，总部将跟进", "A final-sale item was taken back: no refund; HQ follows up"),
        C::ReturnWindowClosed => {
            lang.pick("已过退货期限，不予退款，总部将跟进", "Past the return window: no refund; HQ follows up")
        }
        C::OrderCancelled => {
            lang.pick("原订单已取消，不予退款，总部将跟进", "The order was cancelled: no refund; HQ follows up")
        }
        // --- aisle ---
        C::CarryOutUnavailable => lang
            .pick("本店货架库存不足，无法当场取走", "This store's shelf cannot fill it for the customer to take now"),
        C::InvalidCarryOut => {
            lang.pick("当场取走的订单只能在本店自提", "An order taken now must be collected at this store")
        }
        C::InvalidPickupStore => {
            lang.pick("所选门店不存在或不提供自提", "The chosen store does not exist or offers no pickup")
        }
        C::InvalidPrice => lang.pick("总部不接受此价格", "HQ does not accept this price"),
        C::PriceMismatch => lang.pick("价格与总部吊牌价不符", "The price is not HQ's list price"),
        C::PaymentRefRequired => lang.pick("请填写收银台的支付单号", "Enter the till's payment reference"),
        C::PaymentRefMissing => lang.pick(
            "当场交付的订单没有支付单号，总部将核对",
            "An order taken away at once has no payment reference; HQ will check it",
        ),
        C::CarryOutShort => lang.pick(
            "当场交付超出本店可售库存，总部将为受影响订单改派",
            "Taken away beyond this store's free stock; HQ will reroute the orders now short",
        ),
        C::InvalidLines => lang.pick("订单商品行数不正确", "The order has no lines or too many"),
        C::InvalidPaymentRef => lang.pick("支付单号过长", "The payment reference is too long"),
        C::ExchangeReturnNotFound => {
            lang.pick("换货对应的退货单在本店不存在", "The exchange names no return recorded at this store")
        }
        C::OrderConflict => lang.pick("订单号已被其他订单使用", "The order number was used for another order"),
        C::CustomerNameRequired => lang.pick("缺少顾客姓名", "The customer's name is missing"),
        C::InvalidCustomerName => lang.pick("顾客姓名不可用", "The customer's name cannot be used"),
        C::InvalidPhone => lang.pick("顾客手机号无效", "The customer's mobile number is not valid"),
        C::AddressRequired => lang.pick("快递订单缺少收货地址", "A delivery needs an address"),
        C::InvalidAddress => lang.pick("收货地址过长", "The delivery address is too long"),
        C::CountIdReused | C::ReturnIdReused => lang.pick(
            "同一单据以不同内容重复提交，总部将核对",
            "The same record was sent again with other content; HQ will check",
        ),
        // --- courier ---
        C::DeliveryRequired => lang
            .pick("呼叫快递时请选择配送方式并完成装箱", "Choose how it ships and pack it before requesting a courier"),
        C::ParcelsMismatch | C::ParcelsRequired => lang.pick(
            "包裹内商品与拣货数量不符，请重新装箱后再呼叫",
            "The parcels do not hold the picked units: pack again, then request the courier",
        ),
        C::ParcelWeightInvalid => lang.pick(
            "包裹重量无效，请按秤上读数填写",
            "A parcel weight is missing or too heavy: enter the scale's reading",
        ),
        C::SameCityNotOffered => lang.pick(
            "顾客不在同城配送范围内，请改用快递",
            "The customer is outside the same-city radius: send it by express",
        ),
        C::CourierAlreadyBooked => lang.pick(
            "该订单已有进行中的配送，请等待结果或联系总部取消",
            "A courier is still booked for this order: wait for it, or ask HQ to cancel it",
        ),
        C::CourierBookedByPlatform => lang.pick(
            "总部已为该订单下单平台快递，请把包裹交给该快递员，无需录入运单号",
            "HQ booked a platform courier for this order: hand the parcels to that courier, no tracking number needed",
        ),
        C::BookingIdReused => lang.pick(
            "同一配送请求以不同内容重复提交，总部将核对",
            "The same courier request was sent again with other content; HQ will check",
        ),
        C::TrackingNoInvalid => lang.pick(
            "运单号格式与所选快递公司不符，请核对后重新录入",
            "The tracking number does not fit the chosen carrier: check it and enter it again",
        ),
        C::NotACourierOrder => {
            lang.pick("自提订单不能交给快递，总部将核对", "A pickup order cannot go with a courier; HQ will check")
        }
        C::CollectedAfterCancel => lang.pick(
            "订单已取消但骑手/快递已取走包裹，总部将跟进",
            "The order was cancelled but the courier took the parcels; HQ follows up",
        ),
        C::CourierCancelFailed => lang.pick(
            "总部未能在平台取消配送，正在跟进",
            "HQ could not cancel the booking at the platform and is following up",
        ),
        C::CourierTaskGaveUp => lang.pick(
            "总部多次下单失败，请重新呼叫或改用其他方式",
            "HQ could not book the courier after several tries: ask again or choose another way",
        ),
    };
    text.to_string()
}

// --- polish ---

/// A duration for an order card, rounded down to the minute: `1 小时 5 分钟`, `1 h 5 min`;
/// days once it is two days or more.
pub fn duration_text(lang: Lang, ms: i64) -> String {
    let (hours, minutes) = shared::promise::hours_minutes(ms);
    let (days, hours) = if hours >= 48 { (hours / 24, hours % 24) } else { (0, hours) };
    let part = |n: i64, zh: &str, en: &str| match lang {
        Lang::Zh => format!("{n} {zh}"),
        Lang::En => format!("{n} {en}"),
    };
    let parts: Vec<String> = [(days, "天", "d"), (hours, "小时", "h"), (minutes, "分钟", "min")]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .take(2)
        .map(|(n, zh, en)| part(n, zh, en))
        .collect();
    if parts.is_empty() {
        lang.pick("不到 1 分钟", "under a minute").to_string()
    } else {
        parts.join(" ")
    }
}

/// What an order card says about an order's promise: how long it has waited, what was
/// promised (e.g. ready within 2 h) and the time left, or that it is ready or done.
pub fn promise_texts(lang: Lang, p: &shared::promise::Promise) -> Vec<String> {
    use shared::fulfillment::FulfillmentKind as Kind;
    use shared::promise::PromiseState as S;
    let d = |ms: i64| duration_text(lang, ms);
    let waited = match lang {
        _ if p.waited_ms < 60_000 => lang.pick("刚到店", "just arrived").to_string(),
        Lang::Zh => format!("已等 {}", d(p.waited_ms)),
        Lang::En => format!("waited {}", d(p.waited_ms)),
    };
    let window = d(p.window_ms);
    let promised = match (lang, p.kind) {
        (Lang::Zh, Kind::Pickup) => format!("承诺 {window}内备妥"),
        (Lang::Zh, Kind::SameCity) => format!("承诺 {window}内交骑手"),
        (Lang::Zh, Kind::Ship) => format!("承诺 {window}内打包"),
        (Lang::En, Kind::Pickup) => format!("ready within {window}"),
        (Lang::En, Kind::SameCity) => format!("ready for the rider within {window}"),
        (Lang::En, Kind::Ship) => format!("packed within {window}"),
    };
    match p.state {
        S::Open { left_ms } if left_ms < 0 => vec![
            waited,
            promised,
            match lang {
                Lang::Zh => format!("已超时 {}", d(-left_ms)),
                Lang::En => format!("{} overdue", d(-left_ms)),
            },
        ],
        S::Open { left_ms } => vec![
            waited,
            promised,
            match lang {
                Lang::Zh => format!("还剩 {}", d(left_ms)),
                Lang::En => format!("{} left", d(left_ms)),
            },
        ],
        S::Kept => vec![
            waited,
            match p.kind {
                Kind::Pickup => lang.pick("已备妥，等顾客取货", "ready, waiting for the customer"),
                Kind::Ship => lang.pick("已打包，等快递揽收", "packed, waiting for the courier"),
                Kind::SameCity => lang.pick("已打包，等骑手取货", "packed, waiting for the rider"),
            }
            .to_string(),
        ],
        S::Closed => Vec::new(),
    }
}

/// How many orders of a list are overdue and how many are due soon, for the pane beside it.
pub fn urgency_summary(lang: Lang, overdue: usize, due_soon: usize) -> String {
    match (lang, overdue, due_soon) {
        (_, 0, 0) => t(lang, K::NothingOverdue).to_string(),
        (Lang::Zh, o, s) => format!("{o} 单已超时 · {s} 单即将到期"),
        (Lang::En, o, s) => format!("{o} overdue · {s} due soon"),
    }
}

// --- returns ---

/// A return reason's name.
pub fn reason_label(lang: Lang, r: shared::returns::ReturnReason) -> &'static str {
    use shared::returns::ReturnReason as R;
    match r {
        R::Size => lang.pick("尺码不合适", "Wrong size"),
        R::Colour => lang.pick("颜色不喜欢", "Wrong colour"),
        R::Quality => lang.pick("质量问题", "Quality problem"),
        R::NotAsDescribed => lang.pick("与描述不符", "Not as described"),
        R::ChangedMind => lang.pick("不想要了", "Changed their mind"),
        R::Other => lang.pick("其他", "Other"),
    }
}

/// A returned item's condition.
pub fn condition_label(lang: Lang, c: shared::protocol::ReturnCondition) -> &'static str {
    use shared::protocol::ReturnCondition as C;
    match c {
        C::Resaleable => lang.pick("完好可售", "Resaleable"),
        C::Damaged => lang.pick("破损（次品）", "Damaged"),
    }
}

/// Where a return's refund stands.
pub fn progress_label(lang: Lang, p: shared::app::ReturnProgress) -> &'static str {
    use shared::app::ReturnProgress as P;
    match p {
        P::Queued => lang.pick("已在本机记录，待同步", "Saved here, waiting to sync"),
        P::Recorded => lang.pick("总部已收到", "HQ has it"),
        P::Requested => lang.pick("已申请退款", "Refund requested"),
        P::Confirmed => lang.pick("退款已到账", "Refund confirmed"),
        P::NotDue => lang.pick("暂不退款，总部跟进", "No refund now: HQ follows up"),
    }
}

/// Why (part of) a return cannot be refunded as asked, from its code
/// ([`shared::returns::ReturnProblem::code`]).
pub fn return_problem_text(lang: Lang, code: &str) -> String {
    match code {
        "unknown_line" => lang.pick("此商品不在该订单中", "That line is not on this order"),
        "more_than_returnable" => lang.pick("超出可退件数", "More units than may still come back"),
        "final_sale" => lang.pick("清仓/最终销售商品不可退", "Final-sale items cannot be returned"),
        "return_window_closed" => lang.pick("已超过该渠道的退货期限", "The channel's return window has closed"),
        "order_cancelled" => lang.pick("订单已取消，无可退商品", "The order was cancelled: nothing to return"),
        other => return inbox_code_text(lang, other),
    }
    .to_string()
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
        C::NoStyleFound => match lang {
            Lang::Zh => format!("没有找到与“{}”匹配的款式", e.message),
            Lang::En => format!("No style matches \u{201c}{}\u{201d}", e.message),
        },
        C::Settings => lang.pick("设置未能保存", "Settings could not be saved").into(),
        // --- print ---
        C::Printer => printer_text(lang, e),
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
        // --- returns ---
        R::OrderNotFound => lang.pick(
            "没有找到该订单：请核对订单号，或用手机尾号加姓名查找",
            "No order matches: check the number, or search by phone ending and name",
        ),
        R::LookupRateLimited => {
            lang.pick("查询过于频繁，请稍候再试", "Too many look-ups from this device: wait a moment")
        }
        R::InvalidQuery => lang.pick("查询条件不完整", "The look-up is incomplete"),
        R::OrderNotLookedUp => lang.pick("请重新查找该订单", "Look the order up again"),
        R::NothingToReturn => lang.pick("请选择要退的商品和件数", "Choose at least one unit to take back"),
        R::ReturnNoteRequired => lang.pick("退货原因为“其他”时请填写说明", "Say why when the reason is “other”"),
        R::OrderNumberRequired => lang.pick("请填写小票上的订单号", "Type the order number shown on the receipt"),
        R::ManagerApprovalRequired => lang.pick(
            "退款金额超过限额，需店长输入 PIN 批准",
            "The refund is above the limit: a manager approves with their PIN",
        ),
        R::UnknownLine => lang.pick("此商品不在该订单中", "That line is not on this order"),
        R::MoreThanReturnable => lang.pick("超出可退件数", "More units than may still come back"),
        R::FinalSale => lang.pick("清仓/最终销售商品不可退", "Final-sale items cannot be returned"),
        R::ReturnWindowClosed => lang.pick("已超过该渠道的退货期限", "The channel's return window has closed"),
        R::OrderCancelled => lang.pick("订单已取消，无可退商品", "The order was cancelled: nothing to return"),
        R::NotManager => lang.pick("只有本店店长可以批准", "Only a manager of this store may approve"),
        R::NotOnShelf => lang.pick(
            "本店货架上没有足够的可售库存，请改为全网调货",
            "Not enough free on this shelf: order it from the network",
        ),
        // --- aisle ---
        R::NoLines => lang.pick("请选择要订购的商品", "Choose what the customer orders"),
        R::InvalidQty => {
            lang.pick("数量须为 1 至 100000 的整数", "The quantity must be a whole number from 1 to 100000")
        }
        R::InvalidPickupStore => {
            lang.pick("所选门店不提供自提，请另选门店", "That store offers no pickup: choose another")
        }
        // --- courier ---
        R::NotPacking => lang.pick(
            "此订单现在不能装箱：拣货后、交货前才能装箱",
            "This order cannot be packed now: parcels are packed after picking and before they leave",
        ),
        R::AllPacked => {
            lang.pick("此商品拣到的件数已全部装箱", "Every picked unit of this item is in a parcel already")
        }
        R::ParcelNotFound => lang.pick("没有这个包裹", "There is no such parcel"),
        R::ParcelsInvalid => lang.pick(
            "包裹与拣货不符：每件拣到的商品都要装进一个包裹，每个包裹都要称重",
            "The parcels do not match the pick: every picked unit goes into one parcel, and every parcel is weighed",
        ),
        R::SameCityNotOffered => t(lang, K::SameCityNotOffered),
        R::CourierAlreadyBooked => lang.pick(
            "此订单的配送还在进行中，结束后才能重新呼叫",
            "This order's booking is still under way: ask again once it has ended",
        ),
        R::NotAwaitingCourier => lang.pick("此订单不在待揽收状态", "This order is not waiting for a courier"),
        R::NoRiderCode => lang.pick(
            "骑手取货码尚未同步到本机：请稍候同步，或扫描面单",
            "The rider's code has not reached this device yet: sync, or scan the label",
        ),
        R::RiderCodeMismatch => lang.pick(
            "取货码不符：请确认骑手 App 显示的是本单，不要交货",
            "The code does not match: check the rider's app shows this order, and do not hand over",
        ),
        R::WaybillMismatch => lang.pick(
            "此运单号不属于本订单：请扫描本单包裹上的面单",
            "That waybill is not this order's: scan the label on this order's parcels",
        ),
        R::NoWaybill => lang.pick(
            "总部尚未下单，还没有面单：请等待同步",
            "HQ has not booked the waybill yet: wait for the label to sync",
        ),
        R::TrackingNoInvalid => lang.pick(
            "运单号格式与所选快递公司不符，请核对",
            "The tracking number does not fit the chosen carrier's format: check it",
        ),
        R::NotManualBooking => lang.pick(
            "此订单由总部向平台下单：请在交货时扫描面单或核对骑手取货码",
            "HQ books this order with a platform: hand it over by scanning the label or checking the rider's code",
        ),
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
        // --- aisle ---
        InputField::CustomerName => lang
            .pick(
                "请输入顾客姓名（不超过 100 字，不能是号码）",
                "Enter the customer's name (at most 100 characters, not a number)",
            )
            .into(),
        InputField::CustomerPhone => lang
            .pick(
                "请输入顾客的 11 位手机号（可带 +86、空格或短横线）",
                "Enter the customer's 11-digit mobile number (+86, spaces and dashes are fine)",
            )
            .into(),
        InputField::Address => {
            lang.pick("请输入收货地址（不超过 500 字）", "Enter the delivery address (at most 500 characters)").into()
        }
        InputField::PaymentRef => lang
            .pick(
                "请输入收银台的支付单号（不超过 64 个字符）",
                "Enter the till's payment reference (at most 64 characters)",
            )
            .into(),
        // --- print ---
        InputField::PrinterAddress => lang
            .pick(
                "打印机地址格式为 主机:端口，例如 192.168.1.50:9100（端口默认 9100）",
                "Enter the printer as host:port, e.g. 192.168.1.50:9100 (the port defaults to 9100)",
            )
            .into(),
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

// --- aisle ---

/// A node kind's name (for the availability list).
pub fn node_kind_label(lang: Lang, k: shared::node::NodeKind) -> &'static str {
    use shared::node::NodeKind as N;
    match k {
        N::CentralWarehouse => lang.pick("总仓", "Central warehouse"),
        N::RegionalWarehouse => lang.pick("区域仓", "Regional warehouse"),
        N::EcommerceWarehouse => lang.pick("电商仓", "E-commerce warehouse"),
        N::DirectStore => lang.pick("直营店", "Store"),
        N::FranchiseStore => lang.pick("加盟店", "Franchise store"),
        N::DealerWarehouse => lang.pick("经销商仓", "Dealer warehouse"),
        N::FrontWarehouse => lang.pick("前置仓", "Front warehouse"),
    }
}

/// An order's status at HQ.
pub fn order_status_label(lang: Lang, s: shared::order::OrderStatus) -> &'static str {
    use shared::order::OrderStatus as S;
    match s {
        S::Routed => lang.pick("已分配履约", "Routed"),
        S::PartiallyUnrouted => lang.pick("部分未能分配", "Partly not placed"),
        S::Cancelled => lang.pick("已取消", "Cancelled"),
        S::Completed => lang.pick("已完成", "Completed"),
        S::Held => lang.pick("待总部处理", "Held for HQ"),
        S::Presale => lang.pick("预售待发货", "Presale, awaiting stock"),
    }
}

/// How the customer gets an endless-aisle order.
pub fn aisle_delivery_text(lang: Lang, d: &shared::app::aisle::AisleDelivery) -> String {
    use shared::app::aisle::AisleDelivery as D;
    match (d, lang) {
        (D::Ship { address }, Lang::Zh) => format!("快递到家：{address}"),
        (D::Ship { address }, Lang::En) => format!("Ship to {address}"),
        (D::PickupElsewhere { store_code }, Lang::Zh) => format!("到 {store_code} 自提"),
        (D::PickupElsewhere { store_code }, Lang::En) => format!("Pick up at {store_code}"),
        (D::PickupHere, _) => lang.pick("稍后到本店自提", "Pick up here later").into(),
    }
}

// --- courier ---

/// A booking status's name; an express booking that is booked waits for the courier, not
/// for a rider.
pub fn booking_status_text(
    lang: Lang,
    s: shared::courier::BookingStatus,
    m: shared::courier::CourierMethod,
) -> &'static str {
    use shared::courier::{BookingStatus as B, CourierMethod as M};
    match (s, m) {
        (B::Dispatching, M::Express) => lang.pick("已下单，待揽收", "Booked, awaiting pickup"),
        _ => booking_status_label(lang, s),
    }
}

/// A booking status's name.
pub fn booking_status_label(lang: Lang, s: shared::courier::BookingStatus) -> &'static str {
    use shared::courier::BookingStatus as B;
    match s {
        B::Queued => lang.pick("排队中", "Queued"),
        B::Dispatching => lang.pick("派单中", "Dispatching"),
        B::Accepted => lang.pick("骑手已接单", "Rider on the way"),
        B::Arrived => lang.pick("骑手已到店", "Rider at the store"),
        B::Collected => lang.pick("已揽收", "Collected"),
        B::InTransit => lang.pick("运输中", "In transit"),
        B::Delivered => lang.pick("已送达", "Delivered"),
        B::Returning => lang.pick("退回中", "Coming back"),
        B::Returned => lang.pick("已退回门店", "Back at the store"),
        B::Cancelled => lang.pick("已取消", "Cancelled"),
        B::Expired => lang.pick("无人接单", "No rider took it"),
        B::Failed => lang.pick("下单失败", "Booking failed"),
    }
}

/// How the parcels leave.
pub fn method_label(lang: Lang, m: shared::courier::CourierMethod) -> &'static str {
    use shared::courier::CourierMethod as M;
    match m {
        M::Express => t(lang, K::MethodExpress),
        M::SameCity => t(lang, K::MethodSameCity),
        M::Manual => t(lang, K::MethodManual),
    }
}

/// An express service level (标快 / 特快).
pub fn service_label(lang: Lang, s: shared::courier::ExpressService) -> &'static str {
    match s {
        shared::courier::ExpressService::Standard => t(lang, K::ServiceStandard),
        shared::courier::ExpressService::Priority => t(lang, K::ServicePriority),
    }
}

/// A carrier's name: as printed in China, or in English.
pub fn carrier_label(lang: Lang, c: shared::courier::KnownCarrier) -> &'static str {
    use shared::courier::KnownCarrier as C;
    let en = match c {
        C::SfExpress => "SF Express",
        C::Jd => "JD Logistics",
        C::Zto => "ZTO Express",
        C::Yto => "YTO Express",
        C::Sto => "STO Express",
        C::Yunda => "Yunda Express",
        C::Ems => "EMS (China Post)",
        C::JtExpress => "J&T Express",
    };
    lang.pick(c.name_zh(), en)
}

/// The platform that took a booking, by its code (a rider platform's, or a carrier's).
pub fn platform_label(lang: Lang, code: &str) -> String {
    if let Some(c) = shared::courier::KnownCarrier::parse(code) {
        return carrier_label(lang, c).to_string();
    }
    match code {
        "dada" => lang.pick("达达秒送", "Dada").into(),
        "shansong" => lang.pick("闪送", "ShanSong").into(),
        "meituan" => lang.pick("美团配送", "Meituan delivery").into(),
        "fengniao" => lang.pick("蜂鸟即配", "Fengniao").into(),
        other => other.to_string(),
    }
}

/// What went wrong with a booking, and the next step, for the booking screen.
pub fn booking_problem_text(lang: Lang, p: shared::courier::BookingProblem) -> (&'static str, &'static str) {
    use shared::courier::BookingProblem as P;
    match p {
        P::RiderCancelled => (
            lang.pick("骑手取消了订单", "The rider cancelled"),
            lang.pick("正在重新派单…无需操作", "Re-dispatching… nothing to do"),
        ),
        P::NoRiderYet => (
            lang.pick("暂时无人接单", "No rider yet"),
            lang.pick("正在加小费重新派单…", "Raising the tip and re-dispatching…"),
        ),
        P::NoRiderFound => (
            lang.pick("多次派单仍无人接单", "No rider found after every attempt"),
            lang.pick("请重新呼叫，或改发快递", "Ask again, or send it by express"),
        ),
        P::CreateFailed => (
            lang.pick("配送平台拒绝下单", "The platform refused the booking"),
            lang.pick("请核对后重新呼叫", "Check what it says and ask again"),
        ),
        P::ReturningToStore => (
            lang.pick("配送失败，包裹正在退回门店", "The delivery failed: the parcel is coming back"),
            lang.pick("包裹回店后可重新呼叫，或等待总部处理", "Once it is back, ask again or wait for HQ"),
        ),
        P::ReturnedToStore => (
            lang.pick("包裹已退回门店", "The parcel is back at the store"),
            lang.pick(
                "请重新呼叫，或等待总部处理（可能取消订单）",
                "Ask again, or wait for HQ (it may cancel the order)",
            ),
        ),
        P::NotConfigured => (
            lang.pick("总部未为本店开通此配送方式", "HQ has not set this delivery up for this store"),
            lang.pick("请改用其他方式，或自行联系快递", "Choose another way, or book a carrier by hand"),
        ),
    }
}

/// Why the parcels do not match the pick ([`shared::courier::ParcelProblem`], by its code
/// and details).
pub fn parcel_problem_text(lang: Lang, p: &shared::courier::ParcelProblem) -> String {
    use shared::courier::ParcelProblem as P;
    match (p, lang) {
        (P::NoParcels, _) => lang.pick("请至少装一个包裹", "Pack the order into at least one parcel").into(),
        (P::TooManyParcels, Lang::Zh) => format!("一个订单最多 {} 个包裹", shared::courier::MAX_PARCELS),
        (P::TooManyParcels, Lang::En) => {
            format!("An order may be packed into at most {} parcels", shared::courier::MAX_PARCELS)
        }
        (P::EmptyParcel { parcel_no }, Lang::Zh) => format!("包裹 {parcel_no} 是空的：扫描要装入的商品，或删除它"),
        (P::EmptyParcel { parcel_no }, Lang::En) => {
            format!("Parcel {parcel_no} is empty: scan what goes in, or remove it")
        }
        (P::Weight { parcel_no, .. }, Lang::Zh) => {
            format!("请为包裹 {parcel_no} 称重（1 至 {} 克）", shared::courier::MAX_PARCEL_WEIGHT_G)
        }
        (P::Weight { parcel_no, .. }, Lang::En) => {
            format!("Weigh parcel {parcel_no} (1 to {} g)", shared::courier::MAX_PARCEL_WEIGHT_G)
        }
        (P::UnknownLine { parcel_no, line_no }, Lang::Zh) => {
            format!("包裹 {parcel_no} 中的第 {line_no} 行不在此订单中")
        }
        (P::UnknownLine { parcel_no, line_no }, Lang::En) => {
            format!("Parcel {parcel_no} holds line {line_no}, which this order does not have")
        }
        (P::Mismatch { line_no, picked, packed }, Lang::Zh) => {
            format!("第 {line_no} 行拣了 {picked} 件，已装箱 {packed} 件：每件都要装进一个包裹")
        }
        (P::Mismatch { line_no, picked, packed }, Lang::En) => {
            format!("Line {line_no}: {picked} picked, {packed} in parcels; every unit goes into exactly one parcel")
        }
    }
}

/// The toast when a rider arrives at the store.
pub fn rider_arrived_text(lang: Lang, order_no: &str, rider: &str) -> String {
    match lang {
        Lang::Zh => format!("骑手{rider}已到店，取订单 {order_no}：请核对取货码后交货"),
        Lang::En => format!("Rider {rider} is at the store for {order_no}: check their code and hand over"),
    }
}

// --- print ---

/// Why the thermal printer did not print, and what to do.
fn printer_text(lang: Lang, e: &ErrorView) -> String {
    use shared::print::PrinterReason as P;
    let Some(ErrorReason::Printer(reason)) = e.reason else {
        return match lang {
            Lang::Zh => format!("打印失败：{}", e.message),
            Lang::En => format!("Printing failed: {}", e.message),
        };
    };
    match reason {
        P::PrinterNotConfigured => t(lang, K::PrintNoPrinter).into(),
        P::PrinterUnreachable => lang
            .pick(
                "找不到打印机：请检查设置中的地址，并确认本机与打印机在同一网络。",
                "The printer cannot be reached: check its address in settings and that this device is on its network.",
            )
            .into(),
        P::PrinterRefused => lang
            .pick(
                "打印机拒绝连接：请确认打印机已开机，且已开启 9100 端口（RAW）打印。",
                "The printer refused the connection: check that it is on and that raw printing (port 9100) is enabled.",
            )
            .into(),
        P::PrinterTimedOut => lang
            .pick(
                "打印机没有响应：请确认打印机已开机并已联网，然后重试。",
                "The printer did not answer: check that it is on and connected, then try again.",
            )
            .into(),
        P::PrinterConnectionLost => lang
            .pick(
                "打印中断：请检查打印机的纸张和机盖，然后重新打印。",
                "Printing was interrupted: check the printer's paper and cover, then print again.",
            )
            .into(),
        P::Unprintable => match lang {
            Lang::Zh => format!("此单据无法打印：{}", e.message),
            Lang::En => format!("This document cannot be printed: {}", e.message),
        },
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
    fn order_cards_say_how_long_an_order_waited_and_what_was_promised() {
        use shared::fulfillment::FulfillmentKind;
        use shared::promise::{Promise, PromiseState};
        const MIN: i64 = 60_000;
        assert_eq!(duration_text(Lang::Zh, 65 * MIN), "1 小时 5 分钟");
        assert_eq!(duration_text(Lang::En, 120 * MIN), "2 h");
        assert_eq!(duration_text(Lang::En, 30_000), "under a minute");
        assert_eq!(duration_text(Lang::Zh, (3 * 24 * 60 + 4 * 60 + 5) * MIN), "3 天 4 小时");
        let open = Promise {
            kind: FulfillmentKind::Pickup,
            window_ms: 120 * MIN,
            due_ms: 0,
            waited_ms: 25 * MIN,
            state: PromiseState::Open { left_ms: 95 * MIN },
        };
        assert_eq!(promise_texts(Lang::Zh, &open), ["已等 25 分钟", "承诺 2 小时内备妥", "还剩 1 小时 35 分钟"]);
        assert_eq!(promise_texts(Lang::En, &open), ["waited 25 min", "ready within 2 h", "1 h 35 min left"]);
        let late = Promise { state: PromiseState::Open { left_ms: -20 * MIN }, ..open };
        assert_eq!(promise_texts(Lang::Zh, &late)[2], "已超时 20 分钟");
        let ship = Promise { kind: FulfillmentKind::Ship, window_ms: 24 * 60 * MIN, ..open };
        assert_eq!(promise_texts(Lang::En, &ship)[1], "packed within 24 h");
        let kept = Promise { state: PromiseState::Kept, ..open };
        assert_eq!(promise_texts(Lang::En, &kept), ["waited 25 min", "ready, waiting for the customer"]);
        assert!(promise_texts(Lang::Zh, &Promise { state: PromiseState::Closed, ..open }).is_empty());
        assert_eq!(promise_texts(Lang::Zh, &Promise { waited_ms: 59_000, ..open })[0], "刚到店");
        assert_eq!(urgency_summary(Lang::Zh, 2, 1), "2 单已超时 · 1 单即将到期");
        assert_eq!(urgency_summary(Lang::En, 0, 0), "Nothing is overdue");
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

    // --- returns ---
    #[test]
    fn return_counter_refusals_reasons_and_progress_are_translated() {
        let refusal = |reason| ErrorView {
            error: ErrorCode::NotAllowed,
            reason: Some(ErrorReason::NotAllowed(reason)),
            ..Default::default()
        };
        assert_eq!(
            error_text(Lang::Zh, &refusal(NotAllowedReason::ManagerApprovalRequired)),
            "退款金额超过限额，需店长输入 PIN 批准"
        );
        assert!(error_text(Lang::En, &refusal(NotAllowedReason::OrderNotFound)).starts_with("No order matches"));
        assert_eq!(return_problem_text(Lang::Zh, "final_sale"), "清仓/最终销售商品不可退");
        assert_eq!(return_problem_text(Lang::En, "unknown_order"), inbox_code_text(Lang::En, "unknown_order"));
        for r in shared::returns::RETURN_REASONS {
            assert_ne!(reason_label(Lang::Zh, r), reason_label(Lang::En, r));
        }
        use shared::app::ReturnProgress as P;
        for p in [P::Queued, P::Recorded, P::Requested, P::Confirmed, P::NotDue] {
            assert_ne!(progress_label(Lang::Zh, p), progress_label(Lang::En, p));
        }
        for code in ["unknown_order", "duplicate_return", "more_than_returnable", "return_window_closed"] {
            assert!(shared::app::InboxCode::parse(code).is_some(), "{code} has its own text");
        }
    }

    // --- courier ---
    #[test]
    fn courier_texts_exist_for_every_status_problem_and_parcel_problem() {
        use shared::courier::{BookingProblem, BookingStatus, KnownCarrier, ParcelProblem};
        for s in BookingStatus::all() {
            assert_ne!(booking_status_label(Lang::Zh, *s), booking_status_label(Lang::En, *s));
        }
        for code in [
            "rider_cancelled",
            "no_rider_yet",
            "no_rider_found",
            "create_failed",
            "returning_to_store",
            "returned_to_store",
            "not_configured",
        ] {
            let p = BookingProblem::parse(code).expect(code);
            assert_ne!(booking_problem_text(Lang::Zh, p), booking_problem_text(Lang::En, p));
        }
        assert_eq!(booking_problem_text(Lang::Zh, BookingProblem::RiderCancelled).1, "正在重新派单…无需操作");
        let mismatch = ParcelProblem::Mismatch { line_no: 2, picked: 3, packed: 1 };
        assert_eq!(parcel_problem_text(Lang::Zh, &mismatch), "第 2 行拣了 3 件，已装箱 1 件：每件都要装进一个包裹");
        assert!(
            parcel_problem_text(Lang::En, &ParcelProblem::Weight { parcel_no: 2, weight_g: 0 }).contains("parcel 2")
        );
        assert_eq!(platform_label(Lang::Zh, "sf_express"), "顺丰速运");
        assert_eq!(carrier_label(Lang::En, KnownCarrier::Zto), "ZTO Express");
        let refusal = ErrorView {
            error: ErrorCode::NotAllowed,
            reason: Some(ErrorReason::NotAllowed(NotAllowedReason::RiderCodeMismatch)),
            ..Default::default()
        };
        assert!(error_text(Lang::Zh, &refusal).starts_with("取货码不符"));
    }
}
