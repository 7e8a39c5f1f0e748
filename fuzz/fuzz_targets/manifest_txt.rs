//! `manifest.txt`, the locator `topt sync` writes: any bytes parse to a supported version, an
//! unsupported one, or a reason — never a panic.
#![cfg_attr(fuzzing, no_main)]

use topt_core::manifest::{self, Parsed, SUPPORTED_VERSIONS};

topt_fuzz::target!(|data| {
    // libtopt reads the file as lossy UTF-8.
    let text = String::from_utf8_lossy(data);
    match manifest::parse(&text) {
        Parsed::Supported(v) => assert!(SUPPORTED_VERSIONS.contains(&v)),
        Parsed::Unsupported(v) => assert!(!SUPPORTED_VERSIONS.contains(&v)),
        Parsed::Invalid(why) => assert!(!why.is_empty()),
    }
    // A line that parses keeps parsing when more lines follow it.
    if let Parsed::Supported(v) = manifest::parse(&text) {
        assert_eq!(
            manifest::parse(&format!("{text}\nextra=1\n")),
            Parsed::Supported(v)
        );
    }
});
