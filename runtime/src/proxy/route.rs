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
            let Some((interface, service)) = matches(platform, side, binding.path(side), path) else { continue };
            let (path_service, unreadable) = match service.map(|s| decode(&s)) {
                Some(Ok(s)) => (Some(s), None),
                Some(Err(why)) => (None, Some(why)),
                None => (None, None),
            };
            match found.iter_mut().find(|r| r.side == side && r.interface == interface) {
                Some(route) => route.bindings.push(index),
                None => found.push(Route { side, bindings: vec![index], interface, path_service, unreadable }),
            }
        }
    }
    found
}

/// Whether `template` matches `path`: the interface a `{path}` template names, the raw `{service}` segment.
type Matched = (Option<String>, Option<String>);

fn matches(platform: &PlatformSchema, side: Side, template: &str, path: &str) -> Option<Matched> {
    if template.contains("{path}") {
        let interface = platform
            .interfaces
            .iter()
            .filter(|i| i.provider == side)
            .find(|i| template.replace("{path}", i.path.as_deref().unwrap_or_default()) == path)?;
        return Some((Some(interface.name.to_string()), None));
    }
    if let Some((before, after)) = template.split_once("{service}") {
        let service = path.strip_prefix(before)?.strip_suffix(after)?;
        return (!service.is_empty() && !service.contains('/')).then(|| (None, Some(service.to_owned())));
    }
    (template == path).then_some((None, None))
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
    fn decodes_segments() {
        assert_eq!(super::decode("Test%4Eet").unwrap(), "TestNet");
        assert!(super::decode("%FF").is_err());
        assert_eq!(super::decode("50%").unwrap(), "50%");
    }
}
