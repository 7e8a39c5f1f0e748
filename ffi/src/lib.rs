//! libtopt: the C ABI over topt-core.
