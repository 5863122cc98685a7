//! An origin as a browser sends it and as `access.allowed-origins` lists it, and the
//! `host[:port]` rule that `Host` checks share.

/// `scheme://host:port`, as browsers send it, with the port made explicit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Origin {
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().trim_end_matches('/');
        let (scheme, rest) =
            text.split_once("://").ok_or_else(|| format!("`{text}` is not scheme://host[:port]"))?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(format!("`{text}`: the scheme must be http or https")),
        };
        if rest.contains(['/', '?', '#', '@']) {
            return Err(format!("`{text}` is an origin: scheme://host[:port], nothing after it"));
        }
        let (host, port) =
            split_host_port(rest).ok_or_else(|| format!("`{text}` has no valid host and port"))?;
        Ok(Self { scheme, host, port: port.unwrap_or(default_port) })
    }

    pub fn default_port(&self) -> u16 {
        if self.scheme == "https" { 443 } else { 80 }
    }
}

/// `host[:port]` (or `[v6]:port`), the host lower-cased and without a trailing dot.
pub fn split_host_port(text: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':')?.parse().ok()?),
        };
        (format!("[{v6}]"), port)
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port.parse().ok()?)),
            None => (text.to_owned(), None),
        }
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some((host, port))
}
