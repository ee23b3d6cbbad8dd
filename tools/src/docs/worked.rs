//! The document's worked examples (`examples/worked.yaml`, lowered into `PlatformSchema::examples`), reproduced:
//! each payload sealed by the engine with the inputs the document used, every printed value compared with the
//! computed one, and for a signature that differs, the diagnosis `hisgate explain --expect` gives. `hisgate
//! check` fails on a mismatch the spec does not expect; `hisgate docs` shows the values side by side.

use super::walkthrough::{self, Run};
use hisgate_runtime::envelope::Format;
use hisgate_runtime::schema::{PlatformSchema, SourcePos, WireFormat, WorkedExampleSchema};
use hisgate_runtime::signature::diagnose::{Diagnosis, Options, diagnose};

/// One printed value beside the computed one.
#[derive(Debug, Clone)]
pub struct Compared {
    /// `sign` or `ciphertext`, as the manifest's `expect` names it.
    pub what: &'static str,
    pub printed: String,
    pub computed: String,
    /// Where the manifest gives the printed value.
    pub origin: SourcePos,
}

impl Compared {
    pub fn ok(&self) -> bool {
        self.printed == self.computed
    }
}

/// What reproducing one worked example gave.
#[derive(Debug)]
pub struct Reproduction<'a> {
    pub example: &'a WorkedExampleSchema,
    /// The engine's run, or why the payload could not be sealed.
    pub run: Result<Run, String>,
    pub compared: Vec<Compared>,
    /// For a printed signature that differs: the variants of the rule that give it, or that the key likely differs.
    pub diagnosis: Option<Diagnosis>,
}

/// How a reproduction ends for `hisgate check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every printed value is the computed one.
    Reproduced,
    /// A printed value differs, as the example's erratum says the document prints it wrongly.
    Erratum(String),
    /// A printed value differs and no erratum expects it, the payload cannot be sealed, or an erratum expects a
    /// mismatch that is not there.
    Failed,
}

impl Reproduction<'_> {
    pub fn verdict(&self) -> Verdict {
        let all_match = self.run.is_ok() && self.compared.iter().all(Compared::ok);
        match (&self.example.erratum, all_match) {
            (None, true) => Verdict::Reproduced,
            (Some(erratum), false) if self.run.is_ok() => Verdict::Erratum(erratum.to_string()),
            _ => Verdict::Failed,
        }
    }
}

/// The inputs, the run and the comparisons of one example; `options` bounds the search of a mismatched signature
/// (`None`: no diagnosis, as the docs need none).
pub fn reproduce<'a>(
    platform: &PlatformSchema,
    example: &'a WorkedExampleSchema,
    options: Option<Options>,
) -> Reproduction<'a> {
    let Some(protocol) = &platform.protocol else {
        let run = Err("the platform declares no protocol".to_owned());
        return Reproduction { example, run, compared: Vec::new(), diagnosis: None };
    };
    let interface = example.interface.as_deref().and_then(|n| platform.interface(n));
    let extra: Vec<(String, String)> =
        example.inputs.iter().map(|i| (i.name.to_string(), i.value.to_string())).collect();
    let inputs = walkthrough::inputs(platform, protocol, interface, example.direction, &extra);
    let format = match example.format {
        WireFormat::Json => Format::Json,
        WireFormat::Xml => Format::Xml,
    };
    let provider = interface.map(|i| i.provider);
    let run = walkthrough::run(platform, example.direction, provider, format, &example.payload, &inputs);
    let mut compared = Vec::new();
    let mut diagnosis = None;
    if let Ok(run) = &run {
        let ciphertext = run.encryption.as_ref().map(|e| e.ciphertext.clone()).unwrap_or_default();
        for (what, printed, computed) in
            [("ciphertext", &example.ciphertext, ciphertext), ("sign", &example.sign, run.sign.clone())]
        {
            if let Some(printed) = printed {
                let printed_text = printed.value.to_string();
                compared.push(Compared { what, printed: printed_text, computed, origin: printed.origin.clone() });
            }
        }
        if let (Some(options), Some(printed)) = (options, &example.sign)
            && *printed.value != run.sign
        {
            let envelope = walkthrough::envelope(protocol, example.direction, provider);
            diagnosis = Some(diagnose(platform, &envelope, &run.view, &run.seen, &printed.value, options));
        }
    }
    Reproduction { example, run, compared, diagnosis }
}
