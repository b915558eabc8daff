"""A single-node OpenStack Swift with its S3 layer (s3api + tempauth), for the tests.

    python3 swift_node.py setup DIR PORT ACCESS SECRET   # configs and rings under DIR
    python3 swift_node.py run DIR (proxy|object|container|account)

Only python3-swift (Debian) is needed: the server entry points are called as the packaged
swift-*-server scripts call them. The proxy listens on 127.0.0.1:PORT, the storage servers on
PORT+1..PORT+3; S3 requests are checked against ACCESS/SECRET (signature v4) by tempauth.
"""
import os
import sys


def conf(path, text):
    with open(path, "w") as f:
        f.write(text)


def setup(d, port, access, secret):
    port = int(port)
    for sub in ("node/sdb1", "run", "etc"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
    etc = os.path.join(d, "etc")
    conf(os.path.join(etc, "swift.conf"), "[swift-hash]\nswift_hash_path_suffix = lwtest\nswift_hash_path_prefix = lwtest\n"
         "[storage-policy:0]\nname = gold\ndefault = yes\n")
    common = (f"[DEFAULT]\nbind_ip = 127.0.0.1\nuser = {os.environ.get('USER', 'root')}\nswift_dir = {etc}\ndevices = {d}/node\n"
              "mount_check = false\nworkers = 0\nlog_level = WARNING\nlog_facility = LOG_LOCAL0\n")
    from swift.common.ring import RingBuilder
    ports = {"object": port + 1, "container": port + 2, "account": port + 3}
    for kind, p in ports.items():
        b = RingBuilder(6, 1, 1)
        b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": p, "device": "sdb1", "weight": 1, "meta": ""})
        b.rebalance()
        b.get_ring().save(os.path.join(etc, f"{kind}.ring.gz"))
        conf(os.path.join(etc, f"{kind}-server.conf"),
             common + f"bind_port = {p}\n[pipeline:main]\npipeline = {kind}-server\n"
             f"[app:{kind}-server]\nuse = egg:swift#{kind}\n")
    conf(os.path.join(etc, "proxy-server.conf"), common + f"bind_port = {port}\n"
         "[pipeline:main]\npipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats "
         "s3api tempauth copy slo dlo proxy-logging proxy-server\n"
         "[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n"
         # One storage node: never error-limit it (a slow moment would answer 503 for a minute).
         "error_suppression_limit = 1000000\nnode_timeout = 60\nconn_timeout = 5\n"
         "[filter:catch_errors]\nuse = egg:swift#catch_errors\n"
         "[filter:gatekeeper]\nuse = egg:swift#gatekeeper\n"
         "[filter:healthcheck]\nuse = egg:swift#healthcheck\n"
         "[filter:proxy-logging]\nuse = egg:swift#proxy_logging\n"
         "[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = 127.0.0.1:1\n"
         "[filter:listing_formats]\nuse = egg:swift#listing_formats\n"
         "[filter:copy]\nuse = egg:swift#copy\n"
         "[filter:slo]\nuse = egg:swift#slo\n"
         "[filter:dlo]\nuse = egg:swift#dlo\n"
         "[filter:s3api]\nuse = egg:swift#s3api\nlocation = us-east-1\ns3_acl = false\ncheck_bucket_owner = false\n"
         "[filter:tempauth]\nuse = egg:swift#tempauth\n"
         f"user_test_{access} = {secret} .admin\n")


def run(d, kind):
    # swift.conf from DIR instead of /etc/swift (read at first use by these modules).
    from swift.common import storage_policy, utils
    utils.SWIFT_CONF_FILE = storage_policy.SWIFT_CONF_FILE = os.path.join(d, "etc", "swift.conf")
    storage_policy.reload_storage_policies()
    from swift.common.wsgi import run_wsgi
    path = os.path.join(d, "etc", f"{kind}-server.conf")
    extra = {}
    if kind == "object":
        from swift.obj import server
        extra["global_conf_callback"] = server.global_conf_callback
    sys.exit(run_wsgi(path, f"{kind}-server", **extra))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(*sys.argv[2:6])
    else:
        run(sys.argv[2], sys.argv[3])
