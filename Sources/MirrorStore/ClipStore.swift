import GRDB
import MirrorCore
