//! The fuzz input: a text head and a body, so that corpus files read like the requests they stand for. The head's
//! first line says how the body reaches the server, further head lines are HTTP headers, and the body is every
//! byte after the first empty line:
//!
//! ```text
//! raw hospital POST /wd/spi               seal hospital xml QueryRegister
//! content-type: text/xml; charset=utf-8
//!                                         <request><startDate>…</startDate>…</request>
//! <?xml version="1.0"?><root>…</root>
//! ```
//!
//! `raw` sends the body as it is, to a side's route: the envelope, its signature and its ciphertext are the
//! fuzzer's to break. `seal` treats the body as a payload and seals it for one interface over one binding as a
//! client would: the fuzzer's bytes then pass verification and reach decryption, typed parsing and validation.

use hisgate_runtime::schema::{HttpMethod, Side};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input<'a> {
    Raw(Raw<'a>),
    Seal(Seal<'a>),
}

/// A request as the fuzzer wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw<'a> {
    pub side: Side,
    pub method: HttpMethod,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: Vec<(&'a str, &'a str)>,
    pub body: &'a [u8],
}

/// A payload for the harness to seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal<'a> {
    pub side: Side,
    pub binding: &'a str,
    pub interface: &'a str,
    pub payload: &'a str,
}

impl<'a> Input<'a> {
    /// `None` for bytes that are not an input: no head, or a head this format does not read.
    pub fn parse(data: &'a [u8]) -> Option<Input<'a>> {
        let split = data.windows(2).position(|w| w == b"\n\n")?;
        let head = std::str::from_utf8(&data[..split]).ok()?;
        let body = &data[split + 2..];
        let mut lines = head.lines();
        let words: Vec<&str> = lines.next()?.split(' ').collect();
        match words[..] {
            ["raw", side, method, target] => {
                let (path, query) = match target.split_once('?') {
                    Some((path, query)) => (path, Some(query)),
                    None => (target, None),
                };
                let headers = lines.map(|line| line.split_once(": ")).collect::<Option<Vec<_>>>()?;
                Some(Input::Raw(Raw { side: side_named(side)?, method: method_named(method)?, path, query, headers, body }))
            }
            ["seal", side, binding, interface] if lines.next().is_none() => {
                let payload = std::str::from_utf8(body).ok()?;
                Some(Input::Seal(Seal { side: side_named(side)?, binding, interface, payload }))
            }
            _ => None,
        }
    }
}

impl Raw<'_> {
    pub fn write(&self) -> Vec<u8> {
        let method = match self.method {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        };
        let query = self.query.map(|q| format!("?{q}")).unwrap_or_default();
        let mut head = format!("raw {} {method} {}{query}\n", self.side, self.path);
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\n"));
        }
        [head.as_bytes(), b"\n", self.body].concat()
    }
}

impl Seal<'_> {
    pub fn write(&self) -> Vec<u8> {
        format!("seal {} {} {}\n\n{}", self.side, self.binding, self.interface, self.payload).into_bytes()
    }
}

fn side_named(name: &str) -> Option<Side> {
    Side::ALL.into_iter().find(|s| s.as_str() == name)
}

fn method_named(name: &str) -> Option<HttpMethod> {
    match name {
        "GET" => Some(HttpMethod::Get),
        "POST" => Some(HttpMethod::Post),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_and_seal_inputs_read_back_as_written() {
        let raw = Raw {
            side: Side::Platform,
            method: HttpMethod::Get,
            path: "/wd/api/TestNet",
            query: Some("partner=TEST_WX&sign=AB"),
            headers: vec![("sid", "4725"), ("content-type", "application/json")],
            body: b"{\"a\":\n\n1}",
        };
        assert_eq!(Input::parse(&raw.write()), Some(Input::Raw(raw)));
        let seal = Seal { side: Side::Hospital, binding: "xml", interface: "TestNet", payload: "<request/>" };
        assert_eq!(Input::parse(&seal.write()), Some(Input::Seal(seal)));
    }

    #[test]
    fn a_head_without_a_body_separator_or_with_a_bad_line_is_no_input() {
        assert_eq!(Input::parse(b"raw hospital POST /wd/spi\n"), None);
        assert_eq!(Input::parse(b"raw hospital PUT /wd/spi\n\n"), None);
        assert_eq!(Input::parse(b"raw hospital POST /wd/spi\nno-colon\n\n"), None);
        assert_eq!(Input::parse(b"seal hospital xml TestNet\nsid: 1\n\n"), None);
    }
}
