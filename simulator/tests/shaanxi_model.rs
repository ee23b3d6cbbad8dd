//! The shaanxi hospital's register orders against a model, over random histories (SQLite): bookings, payments,
//! refunds of random amounts (over-refunds among them), the platform's own refunds, cancellations, taken numbers
//! and deliveries repeated. Every answer is the model's, amounts never go negative, refunds never exceed the
//! payment, and the places left are the quota less the orders holding one.

mod shaanxi_support;

use hisgate_generated::shaanxi::hospital::Client;
use hisgate_runtime::schema::Side;
use hisgate_runtime::store::Store;
use hisgate_tests::databases;
use proptest::prelude::*;
use shaanxi_support::*;

/// How much a refund asks for.
#[derive(Debug, Clone, Copy)]
enum Amount {
    /// Of the order's fee, in thousandths: 0 to 1.3 times it.
    PerMille(i64),
    /// What is left to refund, by the model; one fen more.
    Rest,
    RestAndOne,
}

#[derive(Debug, Clone)]
enum Step {
    /// One of the case's three patients books the half-day.
    Book(usize),
    /// A payment of an order (by index, modulo the orders booked): of the right amount or one fen short.
    Pay(usize, bool),
    Refund(usize, Amount),
    /// The platform reports a refund of its own (NotifyRefund).
    NotifyRefund(usize, Amount),
    Cancel(usize),
    Take(usize),
    /// An earlier call with an exactly-once effect, delivered again.
    Redeliver(usize),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let amount = prop_oneof![3 => (0..=1300i64).prop_map(Amount::PerMille), 1 => Just(Amount::Rest), 1 => Just(Amount::RestAndOne)];
    let step = prop_oneof![
        2 => (0..3usize).prop_map(Step::Book),
        4 => (0..8usize, prop::bool::weighted(0.85)).prop_map(|(i, right)| Step::Pay(i, right)),
        6 => (0..8usize, amount.clone()).prop_map(|(i, a)| Step::Refund(i, a)),
        2 => (0..8usize, amount).prop_map(|(i, a)| Step::NotifyRefund(i, a)),
        1 => (0..8usize).prop_map(Step::Cancel),
        1 => (0..8usize).prop_map(Step::Take),
        2 => (0..16usize).prop_map(Step::Redeliver),
    ];
    proptest::collection::vec(step, 1..24)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Booked,
    Paid,
    Taken,
    Cancelled,
    Refunded,
}

impl State {
    fn column(self) -> &'static str {
        match self {
            State::Booked => "booked",
            State::Paid => "paid",
            State::Taken => "taken",
            State::Cancelled => "cancelled",
            State::Refunded => "refunded",
        }
    }
}

/// An order as the model sees it.
#[derive(Debug)]
struct Order {
    order_id: String,
    hospital_order_id: String,
    patient: usize,
    state: State,
    paid: i64,
    refunded: i64,
    hospital_trade_id: Option<String>,
    /// Booked, paid or taken — or refunded after the number was taken: the place is not given back then.
    holds_place: bool,
}

/// A call delivered once already, with the code and response it got.
enum Sent {
    Register(hisgate_generated::shaanxi::interfaces::order_register::Request),
    Pay(hisgate_generated::shaanxi::interfaces::pay::Request),
    Refund(hisgate_generated::shaanxi::interfaces::refund::Request),
    NotifyRefund(hisgate_generated::shaanxi::interfaces::notify_refund::Request),
}

/// Sends `call`: its code and its response, as text to compare.
async fn send(client: &Client, call: &Sent) -> (String, String) {
    fn answer<T: std::fmt::Debug>(reply: hisgate_runtime::client::Reply<T>) -> (String, String) {
        (reply.code, format!("{:?}", reply.response))
    }
    match call {
        Sent::Register(request) => answer(client.order_register(request).await.unwrap()),
        Sent::Pay(request) => answer(client.pay(request).await.unwrap()),
        Sent::Refund(request) => answer(client.refund(request).await.unwrap()),
        Sent::NotifyRefund(request) => answer(client.notify_refund(request).await.unwrap()),
    }
}

/// One case: its half-day, its patients, the orders booked and the calls sent.
struct Case<'a> {
    client: &'a Client,
    store: &'a Store,
    slot: Slot,
    /// The places left on the half-day when the case began.
    places: i64,
    patients: Vec<Person>,
    orders: Vec<Order>,
    sent: Vec<(Sent, (String, String))>,
    name: String,
}

impl Case<'_> {
    async fn run(&mut self, k: usize, step: &Step) {
        let fee = self.slot.total_fen();
        let id = format!("{}-{k}", self.name);
        match *step {
            Step::Book(patient) => {
                let live = self.orders.iter().any(|o| o.patient == patient && live(o.state));
                let call = Sent::Register(register_request(&id, &self.slot, &self.patients[patient]));
                let (code, response) = self.deliver(call).await;
                if live {
                    assert_eq!(code, "S05010701", "{id}: one live number per patient and half-day");
                    return;
                }
                assert_eq!(code, "SUCCESS", "{id}: {response}");
                let hospital_order_id: String =
                    sqlx::query_scalar("SELECT hospital_order_id FROM shaanxi_hospital_orders WHERE order_id = $1")
                        .bind(&id)
                        .fetch_one(self.store.pool())
                        .await
                        .unwrap();
                self.orders.push(Order {
                    order_id: id,
                    hospital_order_id,
                    patient,
                    state: State::Booked,
                    paid: 0,
                    refunded: 0,
                    hospital_trade_id: None,
                    holds_place: true,
                });
            }
            Step::Pay(i, right) => {
                let Some(order) = pick(&self.orders, i) else { return };
                let amount = if right { fee } else { fee - 1 };
                let call = Sent::Pay(pay_request(&order.order_id, &format!("PAY-{id}"), amount));
                let (code, _) = self.deliver(call).await;
                let at = i % self.orders.len();
                let order = &mut self.orders[at];
                let expected = match order.state {
                    State::Booked if right => "SUCCESS",
                    State::Booked => "S02000105",
                    State::Cancelled => "S02000103",
                    State::Refunded => "S02000104",
                    State::Paid | State::Taken => "S02000107",
                };
                assert_eq!(code, expected, "{id}: paying {amount} of {fee} for {order:?}");
                if code == "SUCCESS" {
                    let trade = "SELECT hospital_trade_id FROM shaanxi_hospital_orders WHERE order_id = $1";
                    let trade: String =
                        sqlx::query_scalar(trade).bind(&order.order_id).fetch_one(self.store.pool()).await.unwrap();
                    (order.state, order.paid, order.hospital_trade_id) = (State::Paid, fee, Some(trade));
                }
            }
            Step::Refund(i, amount) => {
                let Some(order) = pick(&self.orders, i) else { return };
                let fen = amount_of(order, amount, fee);
                let trade = order.hospital_trade_id.clone().unwrap_or_else(|| "HT-NONE".into());
                let call = Sent::Refund(refund_request(&order.order_id, &trade, &format!("RF-{id}"), fee, fen));
                let (code, _) = self.deliver(call).await;
                let at = i % self.orders.len();
                let order = &mut self.orders[at];
                let expected = match order.state {
                    State::Booked => "S02000302",
                    State::Cancelled => "S02000303",
                    State::Refunded => "S02000304",
                    State::Taken => "S02000306",
                    State::Paid if fen == 0 => "S02000302",
                    State::Paid if fen > order.paid - order.refunded => "S02000305",
                    State::Paid => "SUCCESS",
                };
                assert_eq!(code, expected, "{id}: refunding {fen} of {order:?}");
                if code == "SUCCESS" {
                    refund(order, fen);
                }
            }
            Step::NotifyRefund(i, amount) => {
                let Some(order) = pick(&self.orders, i) else { return };
                let fen = amount_of(order, amount, fee);
                let call =
                    Sent::NotifyRefund(notify_refund_request(&order.order_id, &format!("HR-{id}"), &id, fee, fen));
                let (code, _) = self.deliver(call).await;
                let at = i % self.orders.len();
                let order = &mut self.orders[at];
                let expected = match order.state {
                    _ if order.paid != fee || fen == 0 => "S02000402",
                    State::Paid | State::Taken if fen <= order.paid - order.refunded => "SUCCESS",
                    _ => "S02000403",
                };
                assert_eq!(code, expected, "{id}: the platform refunded {fen} of {order:?}");
                if code == "SUCCESS" {
                    refund(order, fen);
                }
            }
            Step::Cancel(i) | Step::Take(i) => {
                let Some(order) = pick(&self.orders, i) else { return };
                let cancel = matches!(step, Step::Cancel(_));
                let request =
                    notify_register_request(if cancel { 1 } else { 2 }, &order.order_id, &order.hospital_order_id);
                let code = self.client.notify_register(&request).await.unwrap().code;
                let at = i % self.orders.len();
                let order = &mut self.orders[at];
                let (expected, next) = match (cancel, order.state) {
                    (true, State::Booked) => ("SUCCESS", State::Cancelled),
                    (true, State::Cancelled | State::Refunded) => ("SUCCESS", order.state),
                    (true, State::Paid) => ("S05010802", order.state),
                    (true, State::Taken) => ("S05010804", order.state),
                    (false, State::Paid | State::Taken) => ("SUCCESS", State::Taken),
                    (false, State::Cancelled | State::Refunded) => ("S05010803", order.state),
                    (false, State::Booked) => ("ILLEGAL_ARGUMENT", order.state),
                };
                assert_eq!(code, expected, "{id}: {} {order:?}", if cancel { "cancelling" } else { "taking" });
                order.holds_place &= next != State::Cancelled;
                order.state = next;
            }
            Step::Redeliver(i) => {
                if self.sent.is_empty() {
                    return;
                }
                let (call, first) = &self.sent[i % self.sent.len()];
                assert_eq!(&send(self.client, call).await, first, "{id}: a repeat gets the first answer");
            }
        }
    }

    /// Sends a call for the first time and keeps it to deliver again.
    async fn deliver(&mut self, call: Sent) -> (String, String) {
        let answer = send(self.client, &call).await;
        self.sent.push((call, answer.clone()));
        answer
    }

    /// What the hospital holds agrees with the model, and with itself.
    async fn check(&self) {
        for order in &self.orders {
            let (status, paid, refunded): (String, i64, i64) = sqlx::query_as(
                "SELECT status, paid_fen, refunded_fen FROM shaanxi_hospital_orders WHERE order_id = $1",
            )
            .bind(&order.order_id)
            .fetch_one(self.store.pool())
            .await
            .unwrap();
            assert_eq!(
                (status.as_str(), paid, refunded),
                (order.state.column(), order.paid, order.refunded),
                "{order:?}"
            );
            assert!(0 <= refunded && refunded <= paid, "{order:?}");
            let booked = "SELECT CAST(COALESCE(SUM(refund_fen), 0) AS BIGINT) FROM shaanxi_hospital_refunds \
                          WHERE hospital_order_id = $1";
            assert_eq!(scalar(self.store, booked, &order.hospital_order_id).await, refunded, "{order:?}");
        }
        let held = self.orders.iter().filter(|o| o.holds_place).count() as i64;
        assert_eq!(places_left(self.store, &self.slot.schedule_id).await, self.places - held, "{:?}", self.orders);
    }
}

fn live(state: State) -> bool {
    matches!(state, State::Booked | State::Paid | State::Taken)
}

fn pick(orders: &[Order], i: usize) -> Option<&Order> {
    (!orders.is_empty()).then(|| &orders[i % orders.len()])
}

fn amount_of(order: &Order, amount: Amount, fee: i64) -> i64 {
    let left = order.paid - order.refunded;
    match amount {
        Amount::PerMille(thousandths) => fee * thousandths / 1000,
        Amount::Rest => left,
        Amount::RestAndOne => left + 1,
    }
}

/// A refund the model accepts: the whole payment back ends the order, and frees its place unless it was taken.
fn refund(order: &mut Order, fen: i64) {
    order.refunded += fen;
    if order.refunded == order.paid {
        order.holds_place &= order.state == State::Taken;
        order.state = State::Refunded;
    }
}

#[test]
fn orders_money_and_places_follow_the_model() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(databases::sqlite("shaanxi_model"));
    let (server, _) = runtime.block_on(start(&db.store, Side::Hospital, None));
    let client = hospital_client(&server);
    // Half-days with room for a case's three live orders, taken in turn.
    let slots: Vec<Slot> = runtime.block_on(async {
        let mut slots = Vec::new();
        for department in OPEN_DEPARTMENTS {
            slots.extend(
                open_schedules(&client, department).await.into_iter().filter(|s| s.remain >= 8 && s.total_fen() > 0),
            );
        }
        slots
    });
    assert!(!slots.is_empty());
    let config = ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() };
    let case_no = std::sync::atomic::AtomicU32::new(0);
    proptest::test_runner::TestRunner::new(config)
        .run(&steps(), |steps| {
            let n = case_no.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            runtime.block_on(async {
                // The next half-day with room for three more: earlier cases may have left orders on it.
                let mut slot = None;
                for i in 0..slots.len() {
                    let candidate = &slots[(n as usize + i) % slots.len()];
                    let places = places_left(&db.store, &candidate.schedule_id).await;
                    if places >= 3 {
                        slot = Some((candidate.clone(), places));
                        break;
                    }
                }
                let (slot, places) = slot.expect("a half-day with three places");
                let patients = (0..3).map(|p| person(1000 + n * 3 + p)).collect();
                let name = format!("M{n}");
                let mut case = Case {
                    client: &client,
                    store: &db.store,
                    slot,
                    places,
                    patients,
                    orders: Vec::new(),
                    sent: Vec::new(),
                    name,
                };
                for (k, step) in steps.iter().enumerate() {
                    case.run(k, step).await;
                    case.check().await;
                }
            });
            Ok(())
        })
        .unwrap();
    drop(server);
    runtime.block_on(db.finish());
}
