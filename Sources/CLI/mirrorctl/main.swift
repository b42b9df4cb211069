import MirrorCLI

await MirrorCtl.run()
