pub(crate) fn run() -> crate::Result {
    Err("not yet".into())
}
