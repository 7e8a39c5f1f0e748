//! A ByteStream server that does what a test tells it, on 127.0.0.1: serve honestly, lie about
//! the bytes, stop early, fail with a gRPC code, or go silent; or stand for a whole CAS whose
//! blobs a test may have corrupted. It records every `Read` it gets. The CLI's integration tests
//! use it too (`tests/bep_support`).

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bazel_remote_apis::google::bytestream::byte_stream_server::{ByteStream, ByteStreamServer};
use bazel_remote_apis::google::bytestream::{
    QueryWriteStatusRequest, QueryWriteStatusResponse, ReadRequest, ReadResponse, WriteRequest,
    WriteResponse,
};
use tonic::codegen::BoxStream;
use tonic::codegen::tokio_stream::{self, StreamExt};
use tonic::transport::{Identity, Server, ServerTlsConfig};
use tonic::{Code, Request, Response, Status, Streaming};

/// What the server does with one `Read` (the last one given repeats).
#[derive(Debug, Clone)]
pub enum Reply {
    /// `data[offset..]` in chunks of `chunk` bytes.
    Serve { data: Vec<u8>, chunk: usize },
    /// `data[offset..upto]`, then this error.
    FailAfter {
        data: Vec<u8>,
        upto: usize,
        code: Code,
    },
    /// `data[offset..upto]`, then a normal end of stream.
    EndAfter { data: Vec<u8>, upto: usize },
    /// `data[offset..upto]`, then nothing, ever.
    StallAfter { data: Vec<u8>, upto: usize },
    /// This error at once.
    Fail(Code),
    /// A CAS: the bytes stored under the hash the resource name asks for (whatever they are, so
    /// a test can store lies or short ones), NOT_FOUND for a hash it does not have.
    #[allow(dead_code)]
    // the CLI's integration tests serve BEP outputs with it (tests/bep_support)
    Cas(Arc<BTreeMap<String, Vec<u8>>>),
}

/// One `Read` the server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub resource_name: String,
    pub read_offset: i64,
    pub headers: Vec<(String, String)>,
}

struct Service {
    replies: Mutex<VecDeque<Reply>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn chunks(data: &[u8], from: usize, to: usize, chunk: usize) -> Vec<Result<ReadResponse, Status>> {
    let to = to.min(data.len());
    let from = from.min(to);
    data[from..to]
        .chunks(chunk.max(1))
        .map(|c| Ok(ReadResponse { data: c.to_vec() }))
        .collect()
}

#[tonic::codegen::async_trait]
impl ByteStream for Service {
    type ReadStream = BoxStream<ReadResponse>;

    async fn read(&self, req: Request<ReadRequest>) -> Result<Response<Self::ReadStream>, Status> {
        let headers = req
            .metadata()
            .iter()
            .filter_map(|kv| match kv {
                tonic::metadata::KeyAndValueRef::Ascii(k, v) => {
                    Some((k.to_string(), v.to_str().ok()?.to_string()))
                }
                tonic::metadata::KeyAndValueRef::Binary(..) => None,
            })
            .collect();
        let r = req.into_inner();
        self.seen.lock().unwrap().push(Seen {
            resource_name: r.resource_name.clone(),
            read_offset: r.read_offset,
            headers,
        });
        let reply = {
            let mut q = self.replies.lock().unwrap();
            if q.len() > 1 {
                q.pop_front()
            } else {
                q.front().cloned()
            }
        };
        let off = usize::try_from(r.read_offset).unwrap_or(0);
        let stream: Self::ReadStream = match reply.unwrap_or(Reply::Fail(Code::Internal)) {
            Reply::Serve { data, chunk } => {
                Box::pin(tokio_stream::iter(chunks(&data, off, data.len(), chunk)))
            }
            Reply::FailAfter { data, upto, code } => {
                let mut items = chunks(&data, off, upto, 4096);
                items.push(Err(Status::new(code, "injected failure")));
                Box::pin(tokio_stream::iter(items))
            }
            Reply::EndAfter { data, upto } => {
                Box::pin(tokio_stream::iter(chunks(&data, off, upto, 4096)))
            }
            Reply::StallAfter { data, upto } => Box::pin(
                tokio_stream::iter(chunks(&data, off, upto, 4096)).chain(tokio_stream::pending()),
            ),
            Reply::Fail(code) => return Err(Status::new(code, "injected failure")),
            Reply::Cas(blobs) => {
                let hash = r.resource_name.rsplit('/').nth(1).unwrap_or_default();
                let Some(data) = blobs.get(hash) else {
                    return Err(Status::not_found(format!("{} not found", r.resource_name)));
                };
                Box::pin(tokio_stream::iter(chunks(data, off, data.len(), 16_384)))
            }
        };
        Ok(Response::new(stream))
    }

    async fn write(
        &self,
        _req: Request<Streaming<WriteRequest>>,
    ) -> Result<Response<WriteResponse>, Status> {
        Err(Status::unimplemented("read-only fake"))
    }

    async fn query_write_status(
        &self,
        _req: Request<QueryWriteStatusRequest>,
    ) -> Result<Response<QueryWriteStatusResponse>, Status> {
        Err(Status::unimplemented("read-only fake"))
    }
}

/// The running server; told to stop when dropped (not waited for: a stalled stream may hold it).
pub struct FakeServer {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl FakeServer {
    pub fn start(replies: Vec<Reply>) -> FakeServer {
        FakeServer::start_with(replies, None)
    }

    /// With `tls`: a (certificate PEM, key PEM) pair to serve TLS with.
    pub fn start_with(replies: Vec<Reply>, tls: Option<(Vec<u8>, Vec<u8>)>) -> FakeServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let service = Service {
            replies: Mutex::new(replies.into()),
            seen: seen.clone(),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let incoming = tonic::transport::server::TcpIncoming::from(listener);
                let mut builder = Server::builder();
                if let Some((cert, key)) = tls {
                    builder = builder
                        .tls_config(ServerTlsConfig::new().identity(Identity::from_pem(cert, key)))
                        .unwrap();
                }
                let _ = builder
                    .add_service(ByteStreamServer::new(service))
                    .serve_with_incoming_shutdown(incoming, async {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        FakeServer {
            addr,
            seen,
            stop: Some(stop),
        }
    }

    pub fn url(&self) -> String {
        format!("grpc://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
