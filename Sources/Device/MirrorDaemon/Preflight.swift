import Foundation
import MirrorCapture
public import MirrorConfig
import MirrorVision

/// What a configuration names that `mirrord` will need at start, checked before anything starts: the same checks
/// for `mirrord --check-config`, for a start (which exits 78, EX_CONFIG, when one fails) and for a reload.
///
/// Only what the files say is checked here, not what the moment holds: a port in use, another mirrord on the
/// state directory, a staff group not yet created (the install creates it) or an unplugged camera fail the start
/// itself (exit 1), and a camera may be plugged in later.
public enum Preflight {
    public static func check(_ config: DaemonConfig) throws(ConfigError) {
        let file = config.file
        if let problem = folderProblem(config.stateDirectory) {
            throw ConfigError(file: file, key: "state_dir", problem: problem, fix: "name a folder mirrord may create")
        }
        let socketFolder = (config.api.socket as NSString).deletingLastPathComponent
        if let problem = folderProblem(socketFolder) {
            throw ConfigError(file: file, key: "api.socket", problem: "its folder: \(problem)")
        }
        if let listen = config.api.metricsListen, let problem = resolveProblem(listen.host) {
            throw ConfigError(file: file, key: "api.metrics_listen", problem: problem, fix: "e.g. 127.0.0.1:9464")
        }
        if let remote = config.api.remote {
            if let problem = resolveProblem(remote.listen.host) {
                throw ConfigError(file: file, key: "api.remote.listen", problem: problem, fix: "e.g. 0.0.0.0:9443")
            }
            for (key, path) in [
                ("certificate", remote.certificate), ("key", remote.key), ("token_file", remote.tokenFile),
            ] {
                if let problem = readableFileProblem(path) {
                    throw ConfigError(file: file, key: "api.remote.\(key)", problem: problem)
                }
            }
        }
        if let share = config.share, let problem = resolveProblem(share.listen.host) {
            throw ConfigError(file: file, key: "share.listen", problem: problem, fix: "e.g. 0.0.0.0:8090")
        }
        if let vision = config.vision {
            do {
                _ = try VisionModel.load(manifest: vision.manifest)
            } catch {
                throw ConfigError(
                    file: file, key: "vision.manifest", problem: error.message,
                    fix: "scripts/fetch-model writes the model and its manifest")
            }
        }
        if case .replay(let path, _) = config.profile.camera.source {
            if let problem = readableFileProblem(path) {
                throw ConfigError(file: config.profile.file, key: "camera.file", problem: problem)
            }
            do {
                _ = try ReplayDevice.load(path)
            } catch {
                throw ConfigError(file: config.profile.file, key: "camera.file", problem: error.message)
            }
        }
        if case .file(let path) = config.profile.panel.device,
            let problem = folderProblem((path as NSString).deletingLastPathComponent)
        {
            throw ConfigError(file: config.profile.file, key: "panel.device", problem: "its folder: \(problem)")
        }
    }

    /// Why `path` cannot be (or become) a folder: something in the way that is not one. Nil when it is a folder
    /// or can be created under one.
    static func folderProblem(_ path: String) -> String? {
        var current = path
        while !current.isEmpty {
            var info = stat()
            if stat(current, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    return current == path ? "\(path) is a file, not a folder" : "\(current) is a file, not a folder"
                }
                return nil
            }
            guard errno == ENOENT else { return "cannot look at \(current): \(String(cString: strerror(errno)))" }
            let parent = (current as NSString).deletingLastPathComponent
            if parent == current { break }
            current = parent
        }
        return nil
    }

    /// Why `path` is not a file mirrord can read.
    static func readableFileProblem(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "cannot use \(path): \(String(cString: strerror(errno)))" }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: return "\(path) is a folder, not a file"
        default: return "\(path) is not a regular file"
        }
        guard access(path, R_OK) == 0 else { return "cannot read \(path): \(String(cString: strerror(errno)))" }
        return nil
    }

    /// Why `host` does not resolve to an address to listen on.
    static func resolveProblem(_ host: String) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0 else { return "cannot resolve \(host): \(String(cString: gai_strerror(status)))" }
        freeaddrinfo(list)
        return nil
    }
}
