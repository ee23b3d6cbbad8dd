//! Every interface of every platform, end to end: a generated client calls a generated server on 127.0.0.1 over
//! real HTTP, in every binding the platform declares. The server's handler checks that the typed request arrived
//! exactly as sent and answers a response with every field filled in; the client checks it got exactly that back.

use hisgate_runtime::Interface;
use hisgate_runtime::server::{Context, Failure};
use hisgate_tests::loopback::{Loopback, bindings, client_config, full_request, full_response, server_config};

/// The handler's answer: the full response, if the request arrived unchanged.
fn answer<I: Interface>(request: I::Request, context: &Context) -> Result<I::Response, Failure> {
    let expected = full_request::<I>();
    if request != expected {
        let detail = format!("over `{}` the request arrived as {request:?}, not {expected:?}", context.binding);
        return Err(Failure::with_message("MISMATCH", detail));
    }
    Ok(full_response::<I>())
}

/// For one side of one platform: a handler answering every interface, and one test per interface that calls it
/// over every binding.
macro_rules! end_to_end {
    ($module:ident = $platform:ident :: $side:ident { $($method:ident => $marker:ident),* $(,)? }) => {
        mod $module {
            use super::*;
            use hisgate_generated::$platform::{interfaces as api, $side as side, PLATFORM};

            struct Full;

            impl side::Handler for Full {
                $(
                    async fn $method(
                        &self,
                        request: <api::$marker as Interface>::Request,
                        context: Context,
                    ) -> Result<<api::$marker as Interface>::Response, Failure> {
                        answer::<api::$marker>(request, &context)
                    }
                )*
            }

            $(
                #[tokio::test]
                async fn $method() {
                    let server = Loopback::start(side::router(Full, server_config(&PLATFORM))).await;
                    let request = full_request::<api::$marker>();
                    for binding in bindings(&PLATFORM) {
                        let client = side::Client::new(&server.url, client_config(&PLATFORM, &binding)).unwrap();
                        let reply = client
                            .$method(&request)
                            .await
                            .unwrap_or_else(|e| panic!("{} over {binding}: {e}", stringify!($marker)));
                        assert!(reply.success, "{} over {binding}: {} {}", stringify!($marker), reply.code, reply.message);
                        assert_eq!(reply.response, Some(full_response::<api::$marker>()), "over {binding}");
                    }
                }
            )*

            #[test]
            fn every_interface_of_the_side_is_tested() {
                let tested = [$(<api::$marker as Interface>::schema().1.name.to_string()),*];
                let provided: Vec<String> = PLATFORM
                    .interfaces
                    .iter()
                    .filter(|i| i.provider.as_str() == stringify!($side))
                    .map(|i| i.name.to_string())
                    .collect();
                assert_eq!(tested.len(), provided.len(), "tested {tested:?}, provided {provided:?}");
            }
        }
    };
}

end_to_end!(shaanxi_hospital = shaanxi::hospital {
    test_net => TestNet,
    pay => Pay,
    refund => Refund,
    notify_refund => NotifyRefund,
    get_statement => GetStatement,
    create_patient => CreatePatient,
    get_patient_info => GetPatientInfo,
    check_card => CheckCard,
    get_department_info => GetDepartmentInfo,
    get_doctor_info => GetDoctorInfo,
    get_schedule_info => GetScheduleInfo,
    get_schedule_time_info => GetScheduleTimeInfo,
    order_register => OrderRegister,
    notify_register => NotifyRegister,
    query_register => QueryRegister,
    query_stop_register => QueryStopRegister,
});

end_to_end!(shaanxi_platform = shaanxi::platform {
    refund_by_his => RefundByHis,
    query_refund => QueryRefund,
    download_statement => DownloadStatement,
    stop_register => StopRegister,
    notify_register_by_his => NotifyRegisterByHis,
});

end_to_end!(glorycard_platform = glorycard::platform {
    store_all => StoreAll,
    store_deduct => StoreDeduct,
    store_deduct_cancel => StoreDeductCancel,
});

end_to_end!(glorycard_hospital = glorycard::hospital {
    deduct_check => DeductCheck,
});

end_to_end!(onepay_platform = onepay::platform {
    portal_wb_query_account => PortalWbQueryAccount,
    portal_wb_get_wristband_code => PortalWbGetWristbandCode,
    op_trade_charge => OpTradeCharge,
    mmp_upload_medical_detail => MmpUploadMedicalDetail,
    hop_account_info => HopAccountInfo,
    hop_trade_recharge => HopTradeRecharge,
    hop_trade_refund => HopTradeRefund,
    hop_trade_query => HopTradeQuery,
    hop_trade_details => HopTradeDetails,
});

end_to_end!(yizhangtong_hospital = yizhangtong::hospital {
    op_query_card_list => OpQueryCardList,
    op_yjj_account_transfer_in => OpYjjAccountTransferIn,
    op_query_transfer_in_result => OpQueryTransferInResult,
    get_card_track => GetCardTrack,
    op_certification_level => OpCertificationLevel,
    get_fee_list => GetFeeList,
});
