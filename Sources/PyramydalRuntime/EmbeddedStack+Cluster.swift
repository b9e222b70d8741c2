import Foundation
import Logging

/// The blocking work behind ``EmbeddedStack``'s async API. Everything here
/// runs on the stack's dispatch queue.
extension EmbeddedStack {
    /// Paths of one cluster, once its root is known.
    struct Cluster {
        var root: String
        var relocated: Bool
        var dataDirectory: String { root + "/data" }
        var logFile: String { root + "/server.log" }
        var pidFile: String { dataDirectory + "/postmaster.pid" }
    }

    // MARK: start

    func startBlocking() throws(EmbeddedStackError) -> StartResult {
        let account = try serverAccount()
        try SystemCalls.makeDirectory(home, mode: 0o755)
        let lock = try FileLock(path: lockPath)
        defer { lock.unlock() }

        var initialized = false
        var cluster: Cluster
        var port: Int
        if try isInitialized(), let savedPort = try readPort() {
            let root = try clusterRoot()
            cluster = Cluster(root: root.path, relocated: root.relocated)
            port = savedPort
        } else {
            (cluster, port) = try initialize(account: account)
            initialized = true
        }
        guard let password = try SystemCalls.readFile(passwordPath) else {
            throw EmbeddedStackError(
                code: .fileSystem, step: "read cluster password", path: passwordPath,
                reason: "missing; run `pyramydal dev destroy` to start afresh")
        }

        var started = false
        if !(try isRunning(cluster, port: port)) {
            if !SystemCalls.canBind(port: port) {
                let old = port
                port = try SystemCalls.freeLoopbackPort()
                logger.notice(
                    "embedded PostgreSQL port is taken; moving the cluster to another port",
                    metadata: ["postgres.port.old": "\(old)", "postgres.port": "\(port)"])
                try appendSettings(cluster, port: port)
                if !initialized { try SystemCalls.writeFile(portPath, "\(port)\n", mode: 0o644) }
            }
            try removeStalePidFile(cluster)
            try startServer(cluster, account: account)
            started = true
        }
        if initialized {
            try createDatabase(password: password, port: port)
            // The port file is written last: it marks a finished initialisation.
            try SystemCalls.writeFile(portPath, "\(port)\n", mode: 0o644)
        }
        logger.debug(
            "embedded PostgreSQL ready",
            metadata: [
                "postgres.port": "\(port)", "postgres.data": "\(cluster.dataDirectory)",
                "postgres.initialized": "\(initialized)", "postgres.started": "\(started)",
            ])
        return StartResult(
            url: Self.url(password: password, port: port), port: port, dataDirectory: cluster.dataDirectory,
            initialized: initialized, started: started)
    }

    /// A finished initialisation leaves the port file (written last) and PG_VERSION.
    func isInitialized() throws(EmbeddedStackError) -> Bool {
        guard FileManager.default.fileExists(atPath: portPath) else { return false }
        let root = try clusterRoot()
        return FileManager.default.fileExists(atPath: Cluster(root: root.path, relocated: root.relocated).dataDirectory + "/PG_VERSION")
    }

    func readPort() throws(EmbeddedStackError) -> Int? {
        guard let text = try SystemCalls.readFile(portPath) else { return nil }
        guard let port = Int(text), (1...65535).contains(port) else {
            throw EmbeddedStackError(code: .fileSystem, step: "read port", path: portPath, reason: "not a port number: \(text)")
        }
        return port
    }

    /// initdb with a random password, loopback-only TCP, no Unix socket.
    private func initialize(account: SystemCalls.Account?) throws(EmbeddedStackError) -> (Cluster, port: Int) {
        logger.info("initialising embedded PostgreSQL cluster", metadata: ["pyramydal.home": "\(home)"])
        // 0755 as root so the postgres account can traverse to data/; 0700 otherwise.
        try SystemCalls.makeDirectory(metadataDirectory, mode: account == nil ? 0o700 : 0o755)
        try SystemCalls.remove(portPath)

        let cluster = try chooseClusterRoot(account: account)
        // A half-finished earlier attempt may have left a data directory (or even a server).
        if FileManager.default.fileExists(atPath: cluster.pidFile), try pidFileProcessExists(cluster) {
            _ = try runServerTool("pg_ctl", ["stop", "-D", cluster.dataDirectory, "-m", "immediate", "-w"], account: account)
        }
        try SystemCalls.remove(cluster.dataDirectory)
        try SystemCalls.makeDirectory(cluster.dataDirectory, mode: 0o700)
        try SystemCalls.writeFile(cluster.logFile, "", mode: 0o600)
        if let account {
            try SystemCalls.changeOwner(cluster.dataDirectory, to: account)
            try SystemCalls.changeOwner(cluster.logFile, to: account)
        }

        let password = SystemCalls.randomToken(length: 32)
        try SystemCalls.writeFile(passwordPath, password + "\n", mode: 0o600)
        // initdb reads the password from a file (never from its arguments); as
        // root that file must be readable by the postgres account.
        let passwordFile = cluster.root + "/initdb-password"
        try SystemCalls.writeFile(passwordFile, password + "\n", mode: 0o600)
        defer { try? SystemCalls.remove(passwordFile) }
        if let account { try SystemCalls.changeOwner(passwordFile, to: account) }

        let result = try runServerTool(
            "initdb",
            [
                "-D", cluster.dataDirectory, "-U", Self.databaseName, "--pwfile=\(passwordFile)",
                "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8",
            ], account: account)
        guard result.succeeded else {
            throw EmbeddedStackError(code: .commandFailed, step: "initdb", path: cluster.dataDirectory, reason: Self.tail(result.output))
        }
        let port = try SystemCalls.freeLoopbackPort()
        try appendSettings(cluster, port: port)
        logger.info(
            "initialised embedded PostgreSQL cluster",
            metadata: ["postgres.data": "\(cluster.dataDirectory)", "postgres.port": "\(port)"])
        return (cluster, port)
    }

    /// `<home>/postgres`, unless running as root and the postgres account
    /// can't traverse to it: then `/var/lib/pyramydal/<hash>`, recorded in `location`.
    private func chooseClusterRoot(account: SystemCalls.Account?) throws(EmbeddedStackError) -> Cluster {
        try SystemCalls.remove(locationPath)
        guard let account else { return Cluster(root: metadataDirectory, relocated: false) }
        let probe = try runServerTool("test", ["-x", metadataDirectory], account: account, inBinDirectory: false)
        if probe.succeeded { return Cluster(root: metadataDirectory, relocated: false) }

        let root = relocatedRoot
        logger.notice(
            "the postgres account can't reach PYRAMYDAL_HOME; keeping the cluster's data outside it",
            metadata: ["pyramydal.home": "\(home)", "postgres.root": "\(root)"])
        try SystemCalls.makeDirectory(Self.relocationRoot, mode: 0o755)
        let cluster = Cluster(root: root, relocated: true)
        if FileManager.default.fileExists(atPath: cluster.pidFile), try pidFileProcessExists(cluster) {
            _ = try runServerTool("pg_ctl", ["stop", "-D", cluster.dataDirectory, "-m", "immediate", "-w"], account: account)
        }
        try SystemCalls.remove(root)
        try SystemCalls.makeDirectory(root, mode: 0o700)
        try SystemCalls.changeOwner(root, to: account)
        try SystemCalls.writeFile(locationPath, root + "\n", mode: 0o644)
        return cluster
    }

    /// Appends our settings to postgresql.conf (later lines win, so a port change just appends again).
    private func appendSettings(_ cluster: Cluster, port: Int) throws(EmbeddedStackError) {
        let path = cluster.dataDirectory + "/postgresql.conf"
        let settings = """

            # Added by pyramydal (embedded stack)
            listen_addresses = '127.0.0.1'
            port = \(port)
            unix_socket_directories = ''

            """
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw EmbeddedStackError(code: .fileSystem, step: "open postgresql.conf", path: path, reason: "not writable")
        }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(settings.utf8))
            try handle.close()
        } catch {
            throw EmbeddedStackError(code: .fileSystem, step: "write postgresql.conf", path: path, reason: "\(error)")
        }
    }

    private func startServer(_ cluster: Cluster, account: SystemCalls.Account?) throws(EmbeddedStackError) {
        logger.info("starting embedded PostgreSQL", metadata: ["postgres.data": "\(cluster.dataDirectory)"])
        let result = try runServerTool(
            "pg_ctl", ["start", "-D", cluster.dataDirectory, "-l", cluster.logFile, "-w", "-t", "60"], account: account)
        guard result.succeeded else {
            let log = (try? SystemCalls.readFile(cluster.logFile)).flatMap { $0 } ?? ""
            throw EmbeddedStackError(
                code: .serverUnavailable, step: "start server", path: cluster.dataDirectory,
                reason: Self.tail(result.output) + (log.isEmpty ? "" : "\nserver log (\(cluster.logFile)):\n" + Self.tail(log)))
        }
    }

    private func createDatabase(password: String, port: Int) throws(EmbeddedStackError) {
        let result = try runClientTool(
            "createdb", ["-h", "127.0.0.1", "-p", "\(port)", "-U", Self.databaseName, Self.databaseName],
            password: password)
        guard result.succeeded || result.output.contains("already exists") else {
            throw EmbeddedStackError(code: .commandFailed, step: "createdb \(Self.databaseName)", reason: Self.tail(result.output))
        }
    }

    // MARK: running?

    /// `postmaster.pid` names a live process and the port accepts connections.
    func isRunning(_ cluster: Cluster, port: Int) throws(EmbeddedStackError) -> Bool {
        guard try pidFileProcessExists(cluster) else { return false }
        let result = try runClientTool("pg_isready", ["-q", "-h", "127.0.0.1", "-p", "\(port)", "-t", "5"], password: nil)
        return result.succeeded
    }

    /// `postmaster.pid` names a live PostgreSQL process. After a crash or a
    /// container restart the file can name a PID that is now some other
    /// program; on Linux `/proc/<pid>/comm` tells them apart.
    func pidFileProcessExists(_ cluster: Cluster) throws(EmbeddedStackError) -> Bool {
        guard let text = try SystemCalls.readFile(cluster.pidFile),
            let first = text.split(separator: "\n").first, let pid = pid_t(first.trimmingCharacters(in: .whitespaces))
        else { return false }
        guard SystemCalls.processExists(pid) else { return false }
        if let command = try? SystemCalls.readFile("/proc/\(pid)/comm") {
            return command.hasPrefix("postgres")
        }
        return true
    }

    /// Removes a `postmaster.pid` that names no live PostgreSQL process, which
    /// would otherwise make the server refuse to start ("lock file already exists").
    func removeStalePidFile(_ cluster: Cluster) throws(EmbeddedStackError) {
        guard FileManager.default.fileExists(atPath: cluster.pidFile), !(try pidFileProcessExists(cluster)) else { return }
        logger.notice("removing stale postmaster.pid", metadata: ["postgres.data": "\(cluster.dataDirectory)"])
        try SystemCalls.remove(cluster.pidFile)
    }

    // MARK: status, stop, destroy

    func statusBlocking() throws(EmbeddedStackError) -> Status {
        let root = try clusterRoot()
        let cluster = Cluster(root: root.path, relocated: root.relocated)
        let initialized = try isInitialized()
        let port = initialized ? try readPort() : nil
        var running = false
        var version = try SystemCalls.readFile(cluster.dataDirectory + "/PG_VERSION")
        if initialized, let port, try isRunning(cluster, port: port), let password = try SystemCalls.readFile(passwordPath) {
            running = true
            let result = try runClientTool(
                "psql",
                ["-h", "127.0.0.1", "-p", "\(port)", "-U", Self.databaseName, "-d", Self.databaseName, "-XqAt", "-c", "SHOW server_version"],
                password: password)
            if result.succeeded { version = result.output.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        return Status(
            initialized: initialized, running: running, port: port, dataDirectory: cluster.dataDirectory,
            relocated: cluster.relocated, version: version, sizeBytes: SystemCalls.directorySize(cluster.dataDirectory),
            logFile: cluster.logFile)
    }

    func stopBlocking() throws(EmbeddedStackError) -> Bool {
        guard FileManager.default.fileExists(atPath: metadataDirectory) else { return false }
        let lock = try FileLock(path: lockPath)
        defer { lock.unlock() }
        let root = try clusterRoot()
        let cluster = Cluster(root: root.path, relocated: root.relocated)
        guard try pidFileProcessExists(cluster) else { return false }
        let account = try serverAccount()
        logger.info("stopping embedded PostgreSQL", metadata: ["postgres.data": "\(cluster.dataDirectory)"])
        let result = try runServerTool("pg_ctl", ["stop", "-D", cluster.dataDirectory, "-m", "fast", "-w", "-t", "60"], account: account)
        guard result.succeeded else {
            throw EmbeddedStackError(code: .commandFailed, step: "stop server", path: cluster.dataDirectory, reason: Self.tail(result.output))
        }
        return true
    }

    func destroyBlocking() throws(EmbeddedStackError) {
        guard FileManager.default.fileExists(atPath: metadataDirectory) else { return }
        _ = try stopBlocking()
        let lock = try FileLock(path: lockPath)
        defer { lock.unlock() }
        let root = try clusterRoot()
        if root.relocated { try SystemCalls.remove(root.path) }
        try SystemCalls.remove(metadataDirectory)
        logger.info("removed embedded PostgreSQL cluster", metadata: ["pyramydal.home": "\(home)"])
    }

    // MARK: running tools

    /// The account to run initdb/pg_ctl as: `postgres` when we are root, else ourselves (`nil`).
    func serverAccount() throws(EmbeddedStackError) -> SystemCalls.Account? {
        guard SystemCalls.isRoot else { return nil }
        guard let account = SystemCalls.account(named: "postgres") else {
            throw EmbeddedStackError(
                code: .postgresAccountMissing, step: "find the postgres account",
                reason: "running as root, but PostgreSQL refuses to run as root and there is no 'postgres' "
                    + "account to run it as; create one (useradd --system postgres) or run as a normal user")
        }
        return account
    }

    /// Runs a server tool (initdb, pg_ctl) from the bin directory, as `account` when given (via runuser).
    func runServerTool(
        _ tool: String, _ arguments: [String], account: SystemCalls.Account?, inBinDirectory: Bool = true
    ) throws(EmbeddedStackError) -> Subprocess.Result {
        let program = inBinDirectory ? binDirectory + "/" + tool : tool
        var process = Subprocess(executable: program, arguments: arguments, environment: Subprocess.cleanEnvironment())
        if let account {
            if let runuser = Self.firstExecutable(["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]) {
                process.executable = runuser
                process.arguments = ["-u", account.name, "--", program] + arguments
            } else if let setpriv = Self.firstExecutable(["/usr/bin/setpriv", "/bin/setpriv"]) {
                process.executable = setpriv
                process.arguments = ["--reuid=\(account.uid)", "--regid=\(account.gid)", "--init-groups", "--", program] + arguments
            } else {
                throw EmbeddedStackError(
                    code: .commandFailed, step: "run \(tool) as \(account.name)",
                    reason: "neither runuser nor setpriv (util-linux) is installed")
            }
        } else if !inBinDirectory {
            process.executable = Self.firstExecutable(["/usr/bin/\(tool)", "/bin/\(tool)"]) ?? tool
        }
        logger.debug("running \(tool)", metadata: ["command": "\(process.display)"])
        return try process.run()
    }

    /// Runs a client tool (psql, createdb, pg_isready); the password goes in `PGPASSWORD`.
    func runClientTool(_ tool: String, _ arguments: [String], password: String?) throws(EmbeddedStackError) -> Subprocess.Result {
        var extra = ["PGCONNECT_TIMEOUT": "10"]
        if let password { extra["PGPASSWORD"] = password }
        let process = Subprocess(
            executable: binDirectory + "/" + tool, arguments: arguments, environment: Subprocess.cleanEnvironment(adding: extra))
        return try process.run()
    }

    private static func firstExecutable(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The last lines of a tool's output: enough to say what went wrong.
    static func tail(_ text: String, lines: Int = 12) -> String {
        let all = text.split(separator: "\n", omittingEmptySubsequences: true)
        return all.suffix(lines).joined(separator: "\n")
    }
}
