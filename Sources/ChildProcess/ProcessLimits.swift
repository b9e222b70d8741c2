#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ChildProcess {
    /// Caps this process's data segment (heap and private mappings) at
    /// `mebibytes`, as a container's memory limit would: a worker started
    /// by the local launcher applies its task's memory to itself.
    public static func limitDataSize(mebibytes: Int) throws(ChildProcessError) {
        let bytes = rlim_t(mebibytes) * 1024 * 1024
        var limit = rlimit(rlim_cur: bytes, rlim_max: bytes)
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_DATA.rawValue)
        #else
        let resource = RLIMIT_DATA
        #endif
        guard setrlimit(resource, &limit) == 0 else {
            throw ChildProcessError(operation: "limit the data size to \(mebibytes) MiB", errno: errno)
        }
    }
}
