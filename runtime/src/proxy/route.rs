//! Which side and bindings a request's method and path reach, as the servers' routes would: a proxy stands
//! before either side (HIS → platform or platform → hospital), and a path shared by both sides (a SOAP endpoint)
//! is settled later, by the interface the envelope names.

use crate::schema::{HttpMethod, PlatformSchema, Side};

/// The bindings of one side that serve a method and path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub side: Side,
    /// Indices into the protocol's `bindings:`.
    pub bindings: Vec<usize>,
    /// The interface, where the path is its own (`{path}`).
    pub interface: Option<String>,
    /// The service the path names (`/wd/spi/{service}`), percent-decoded.
    pub path_service: Option<String>,
    /// The request fields the interface's path carries (`/v3/refund/domestic/refunds/{out_refund_no}`), decoded.
    pub path_params: Vec<(String, String)>,
    /// Why the path cannot be read (a segment not UTF-8 once decoded).
    pub unreadable: Option<String>,
}

/// Every side's route for `method` and `path`, in `Side::ALL` order; empty when no binding serves it.
pub fn routes(platform: &PlatformSchema, method: HttpMethod, path: &str) -> Vec<Route> {
    let Some(protocol) = platform.protocol.as_ref() else { return Vec::new() };
    let mut found: Vec<Route> = Vec::new();
    for side in Side::ALL {
        for (index, binding) in protocol.bindings.iter().enumerate() {
            // A SOAP path also answers `GET ?wsdl`; that is not an envelope, so it reaches no binding here.
            if binding.method != method {
                continue;
            }
            let Some(matched) = matches(platform, side, &binding.name, binding.path(side), path) else { continue };
            let (path_service, mut unreadable) = match matched.service.map(|s| decode(&s)) {
                Some(Ok(s)) => (Some(s), None),
                Some(Err(why)) => (None, Some(why)),
                None => (None, None),
            };
            let mut path_params = Vec::with_capacity(matched.params.len());
            for (name, raw) in matched.params {
                match decode(&raw) {
                    Ok(value) => path_params.push((name, value)),
                    Err(why) => unreadable = Some(why),
                }
            }
            let interface = matched.interface;
            match found.iter_mut().find(|r| r.side == side && r.interface == interface) {
                Some(route) => route.bindings.push(index),
                None => {
                    found.push(Route { side, bindings: vec![index], interface, path_service, path_params, unreadable })
                }
            }
        }
    }
    found
}

/// What a binding's path template made of a request's path.
struct Matched {
    /// The interface a `{path}` template names.
    interface: Option<String>,
    /// The raw `{service}` segment.
    service: Option<String>,
    /// The raw segments the interface's path fields (`{out_trade_no}`) stand for.
    params: Vec<(String, String)>,
}

fn matches(platform: &PlatformSchema, side: Side, binding: &str, template: &str, path: &str) -> Option<Matched> {
    if template.contains("{path}") {
        // As the server's router does: a literal segment wins over a field, so the interface with the fewest
        // fields among those that match.
        let (interface, params) = platform
            .interfaces
            .iter()
            .filter(|i| i.provider == side && i.travels_under(binding))
            .filter_map(|i| {
                let pattern = template.replace("{path}", i.path.as_deref().unwrap_or_default());
                Some((i, fields_of(&pattern, path)?))
            })
            .min_by_key(|(_, params)| params.len())?;
        return Some(Matched { interface: Some(interface.name.to_string()), service: None, params });
    }
    if let Some((before, after)) = template.split_once("{service}") {
        let service = path.strip_prefix(before)?.strip_suffix(after)?;
        let matched = Matched { interface: None, service: Some(service.to_owned()), params: Vec::new() };
        return (!service.is_empty() && !service.contains('/')).then_some(matched);
    }
    (template == path).then_some(Matched { interface: None, service: None, params: Vec::new() })
}

/// The raw segments of `path` that `pattern`'s whole-segment `{field}`s stand for, if it matches: each other
/// segment equal, each field a non-empty segment.
fn fields_of(pattern: &str, path: &str) -> Option<Vec<(String, String)>> {
    let (mut pattern, mut path) = (pattern.split('/'), path.split('/'));
    let mut fields = Vec::new();
    loop {
        match (pattern.next(), path.next()) {
            (None, None) => return Some(fields),
            (Some(expected), Some(segment)) => match expected.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
                Some(field) if !segment.is_empty() => fields.push((field.to_owned(), segment.to_owned())),
                Some(_) => return None,
                None if expected == segment => {}
                None => return None,
            },
            _ => return None,
        }
    }
}

/// A path segment percent-decoded; it must be UTF-8 once decoded, as the server's router requires.
fn decode(segment: &str) -> Result<String, String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "the path cannot be read: a segment is not UTF-8 once decoded".to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn path_fields_stand_for_whole_segments() {
        let fields = |pattern, path| super::fields_of(pattern, path);
        let pattern = "/v3/pay/transactions/out-trade-no/{out_trade_no}";
        assert_eq!(
            fields(pattern, "/v3/pay/transactions/out-trade-no/GH%2001"),
            Some(vec![("out_trade_no".to_owned(), "GH%2001".to_owned())])
        );
        assert_eq!(fields(pattern, "/v3/pay/transactions/out-trade-no/"), None);
        assert_eq!(fields(pattern, "/v3/pay/transactions/out-trade-no/GH01/close"), None);
        assert_eq!(fields("/wd/spi/TestNet", "/wd/spi/TestNet"), Some(vec![]));
        assert_eq!(fields("/wd/spi/TestNet", "/wd/spi/Other"), None);
    }

    #[test]
    fn decodes_segments() {
        assert_eq!(super::decode("Test%4Eet").unwrap(), "TestNet");
        assert!(super::decode("%FF").is_err());
        assert_eq!(super::decode("50%").unwrap(), "50%");
    }
}
