//! What the page needs from the browser beyond Leptos: a clock, the local time zone, a yes/no
//! confirmation, the clipboard, a file download, the measures of a scrolled list, and
//! JavaScript's regular expressions (the filter's `/regex/` is the syntax a browser user knows,
//! and it costs the WASM bundle nothing). The server renders no records, so its versions only
//! have to exist.

#[cfg(feature = "hydrate")]
pub use browser::*;
#[cfg(not(feature = "hydrate"))]
pub use server::*;

/// Where the document's focus is, seen from an element that had it. (The server has no focus
/// to report: it never builds the other variants.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum Focus {
    /// The element still has it (or had it when the window lost focus: it gets it back).
    Held,
    /// Another element has it.
    Elsewhere,
    /// Nothing has it: the body. Either the user clicked somewhere that takes no focus, or the
    /// element was taken out of the document (and perhaps put back) and lost it.
    Fell,
}

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        // `RegExp(…)` called as a function builds one too, and `catch` turns its SyntaxError
        // into an `Err` instead of a trap.
        #[wasm_bindgen(catch, js_name = RegExp)]
        fn make_regexp(pattern: &str, flags: &str) -> Result<js_sys::RegExp, JsValue>;

        // Only in a secure context (https, or loopback); elsewhere it is undefined and throws.
        #[wasm_bindgen(catch, js_namespace = ["navigator", "clipboard"], js_name = writeText)]
        fn clipboard_write_text(text: &str) -> Result<js_sys::Promise, JsValue>;
    }

    /// Puts `text` on the clipboard; `false` when the browser has no clipboard for this page.
    pub fn copy_text(text: &str) -> bool {
        clipboard_write_text(text).is_ok()
    }

    /// Saves `content` as a file named `name`, as a download the browser asks nothing about.
    pub fn download(name: &str, mime: &str, content: &str) -> Result<(), String> {
        let fail = |error: JsValue| format!("{error:?}");
        let parts = js_sys::Array::of1(&JsValue::from_str(content));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
        let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
        let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
        link.set_href(&url);
        link.set_download(name);
        link.click();
        // Not at once: the download reads the blob after the click returns.
        leptos::prelude::set_timeout(
            move || {
                let _ = web_sys::Url::revoke_object_url(&url);
            },
            std::time::Duration::from_secs(10),
        );
        Ok(())
    }

    pub struct Regex(js_sys::RegExp);

    impl Regex {
        pub fn new(pattern: &str, flags: &str) -> Result<Self, String> {
            make_regexp(pattern, flags).map(Regex).map_err(|error| {
                error
                    .dyn_ref::<js_sys::Error>()
                    .map(|error| String::from(error.message()))
                    .unwrap_or_else(|| "not a valid regular expression".into())
            })
        }

        pub fn is_match(&self, text: &str) -> bool {
            // A `g` or `y` flag makes `test` continue from the last match; every test starts over.
            self.0.set_last_index(0);
            self.0.test(text)
        }
    }

    /// Milliseconds, monotonic, sub-millisecond resolution: for round-trip times.
    pub fn now_ms() -> f64 {
        web_sys::window().and_then(|window| window.performance()).map_or_else(js_sys::Date::now, |p| p.now())
    }

    /// Milliseconds since the Unix epoch: for the throughput sparkline's seconds.
    pub fn wall_clock_ms() -> f64 {
        js_sys::Date::now()
    }

    /// The browser's offset from UTC at that moment, in minutes (east is positive).
    pub fn utc_offset_minutes(ms: i64) -> i32 {
        -(js_sys::Date::new(&JsValue::from_f64(ms as f64)).get_timezone_offset() as i32)
    }

    /// `2026-11-26T18:30` (an `<input type="datetime-local">`), read as local time.
    pub fn parse_local_datetime(text: &str) -> Option<i64> {
        let ms = js_sys::Date::new(&JsValue::from_str(text)).get_time();
        (!ms.is_nan()).then_some(ms as i64)
    }

    /// The browser's own confirmation: the user says yes before something that cannot be
    /// undone is done.
    pub fn confirm(message: &str) -> bool {
        web_sys::window().and_then(|window| window.confirm_with_message(message).ok()).unwrap_or(false)
    }

    /// How far `list` is scrolled and how tall its visible part is, in CSS pixels.
    pub fn scroll_view(list: &web_sys::Element) -> (f64, f64) {
        (list.scroll_top().into(), list.client_height().into())
    }

    /// The height of each child of `list` that carries a `data-seq`, with that number. One
    /// layout for all of them: nothing is written between the reads.
    pub fn row_heights(list: &web_sys::Element) -> Vec<(u64, f64)> {
        let children = list.children();
        (0..children.length())
            .filter_map(|index| children.item(index))
            .filter_map(|row| {
                let seq = row.get_attribute("data-seq")?.parse().ok()?;
                Some((seq, row.get_bounding_client_rect().height()))
            })
            .collect()
    }

    /// The `data-seq` of the row of `list` that holds the element `node`, if any.
    pub fn row_holding(node: &web_sys::EventTarget) -> Option<u64> {
        let element = node.dyn_ref::<web_sys::Element>()?;
        element.closest("[data-seq]").ok()??.get_attribute("data-seq")?.parse().ok()
    }

    /// Where the focus is now, for `node` that had it.
    pub fn focus_from(node: &web_sys::EventTarget) -> super::Focus {
        let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element());
        match active {
            Some(active) if active.tag_name() != "BODY" => {
                if node.dyn_ref::<web_sys::Element>() == Some(&active) {
                    super::Focus::Held
                } else {
                    super::Focus::Elsewhere
                }
            }
            _ => super::Focus::Fell,
        }
    }

    /// Focuses `node` again, if it is still in the document, without scrolling to it: the
    /// user's view stays where it is.
    pub fn refocus(node: &web_sys::EventTarget) {
        if let Some(element) = node.dyn_ref::<web_sys::HtmlElement>()
            && element.is_connected()
        {
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = element.focus_with_options(&options);
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod server {
    pub struct Regex;

    impl Regex {
        pub fn new(_pattern: &str, _flags: &str) -> Result<Self, String> {
            Ok(Regex)
        }

        pub fn is_match(&self, _text: &str) -> bool {
            true
        }
    }

    pub fn now_ms() -> f64 {
        0.0
    }

    pub fn wall_clock_ms() -> f64 {
        0.0
    }

    pub fn utc_offset_minutes(_ms: i64) -> i32 {
        0
    }

    pub fn parse_local_datetime(_text: &str) -> Option<i64> {
        None
    }

    pub fn confirm(_message: &str) -> bool {
        false
    }

    pub fn copy_text(_text: &str) -> bool {
        false
    }

    pub fn download(_name: &str, _mime: &str, _content: &str) -> Result<(), String> {
        Err("only in the browser".into())
    }

    pub fn scroll_view(_list: &leptos::web_sys::Element) -> (f64, f64) {
        (0.0, 0.0)
    }

    pub fn row_heights(_list: &leptos::web_sys::Element) -> Vec<(u64, f64)> {
        Vec::new()
    }

    pub fn row_holding(_node: &leptos::web_sys::EventTarget) -> Option<u64> {
        None
    }

    pub fn focus_from(_node: &leptos::web_sys::EventTarget) -> super::Focus {
        super::Focus::Elsewhere
    }

    pub fn refocus(_node: &leptos::web_sys::EventTarget) {}
}
