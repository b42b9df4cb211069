import MirrorStore
import Testing
