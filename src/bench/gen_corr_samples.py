import json, uuid, random, datetime
random.seed(7)
base = datetime.datetime(2026, 3, 14, 9, 0, 0)
def ts(sec): return (base + datetime.timedelta(seconds=sec)).strftime('%Y-%m-%dT%H:%M:%S.%f') + 'Z'
def ev(sec, user, verb, resource, ns=None, name=None, code=200, ua='kubectl/v1.30.2 (linux/amd64) kubernetes/3968350', ip='10.0.12.34', sub=None, group='', groups=('system:authenticated',), body=None):
    path = '/api/v1' if group == '' else '/apis/' + group + '/v1'
    uri = path + ('/namespaces/' + ns if ns else '') + '/' + resource + ('/' + name if name else '') + ('/' + sub if sub else '')
    o = {"resource": resource, "apiVersion": "v1"}
    if group: o["apiGroup"] = group
    if ns: o["namespace"] = ns
    if name: o["name"] = name
    if sub: o["subresource"] = sub
    e = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Metadata" if body is None else "RequestResponse",
         "auditID": str(uuid.UUID(int=random.getrandbits(128))), "stage": "ResponseComplete", "requestURI": uri,
         "verb": verb, "user": {"username": user, "groups": list(groups)}, "sourceIPs": [ip], "userAgent": ua,
         "objectRef": o, "responseStatus": {"metadata": {}, "code": code}}
    if body is not None: e["requestObject"] = body
    e["requestReceivedTimestamp"] = ts(sec); e["stageTimestamp"] = ts(sec + 0.01)
    return e
def write(name, events):
    events.sort(key=lambda e: e["stageTimestamp"])
    with open('/work/wt-sigma/samples/' + name, 'w') as f:
        for e in events: f.write(json.dumps(e, separators=(',', ':')) + '\n')
NS = ['payments', 'billing', 'frontend', 'data', 'monitoring', 'search']
# 1 secrets read across namespaces
write('corr-secrets-many-namespaces.log', [ev(20 * i, 'dev-jane', 'get', 'secrets', NS[i], 'db-credentials') for i in range(5)]
      + [ev(5, 'dev-jane', 'list', 'pods', 'payments')])
write('corr-secrets-many-namespaces-benign.log', [ev(60 * i, 'dev-jane', 'get', 'secrets', NS[i % 2], 'app-config') for i in range(8)]
      + [ev(1200 * i, 'dev-tom', 'get', 'secrets', NS[i], 'app-config') for i in range(5)]
      + [ev(30 * i, 'system:serviceaccount:kube-system:generic-garbage-collector', 'list', 'secrets', NS[i], None) for i in range(6)]
      + [ev(30 * i, 'kubernetes-admin', 'list', 'secrets', NS[i], None) for i in range(6)])
# 2 burst of 403s
write('corr-forbidden-burst.log', [ev(8 * i, 'mallory', 'list', ['secrets', 'pods', 'nodes', 'roles'][i % 4], NS[i % 6], code=403) for i in range(12)])
write('corr-forbidden-burst-benign.log', [ev(90 * i, 'dev-jane', 'get', 'pods', 'payments', 'api', code=403) for i in range(5)]
      + [ev(400 * i, 'dev-tom', 'list', 'secrets', 'billing', code=403) for i in range(12)]
      + [ev(5 * i, 'system:node:worker-1', 'get', 'secrets', 'payments', 'x', code=403) for i in range(15)])
# 3 service account used from a second user agent family
sa = 'system:serviceaccount:payments:api'
write('corr-sa-user-agents.log', [ev(60 * i, sa, 'get', 'configmaps', 'payments', 'api-config', ua='api-server/1.4.2', ip='10.244.1.17') for i in range(4)]
      + [ev(300, sa, 'list', 'secrets', 'payments', ua='kubectl/v1.30.2 (linux/amd64) kubernetes/3968350', ip='203.0.113.50')])
write('corr-sa-user-agents-benign.log', [ev(60 * i, sa, 'get', 'configmaps', 'payments', 'api-config', ua='api-server/1.4.%d' % (i % 3), ip='10.244.1.%d' % (10 + i)) for i in range(6)]
      + [ev(30 * i, 'system:serviceaccount:kube-system:coredns', 'list', 'endpoints', None, ua=['coredns/1.11', 'kubectl/1.30'][i % 2]) for i in range(4)])
# 4 enumeration of many resource kinds
kinds = ['pods', 'services', 'secrets', 'configmaps', 'deployments', 'daemonsets', 'roles', 'rolebindings', 'clusterroles', 'nodes', 'namespaces', 'serviceaccounts', 'ingresses']
write('corr-enumeration.log', [ev(6 * i, 'intern@corp.example', 'list', k, 'default' if k not in ('nodes', 'namespaces', 'clusterroles') else None) for i, k in enumerate(kinds)])
write('corr-enumeration-benign.log', [ev(10 * i, 'dev-jane', 'list', k, 'payments') for i, k in enumerate(kinds[:5])]
      + [ev(4 * i, 'kubernetes-admin', 'list', k, None) for i, k in enumerate(kinds)]
      + [ev(4 * i, 'system:serviceaccount:monitoring:kube-state-metrics', 'list', k, None) for i, k in enumerate(kinds)]
      + [ev(700 * i, 'dev-tom', 'list', k, 'billing') for i, k in enumerate(kinds)])
# 5 binding created, then used by its subject
def binding(sec, actor, subject, name):
    return ev(sec, actor, 'create', 'rolebindings', 'payments', None, code=201, group='rbac.authorization.k8s.io',
              body={"kind": "RoleBinding", "metadata": {"name": name, "namespace": "payments"},
                    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "secret-reader"},
                    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": subject}]})
write('corr-binding-then-used.log', [binding(0, 'dev-jane', 'eve', 'eve-reads'), ev(240, 'eve', 'list', 'secrets', 'payments')])
write('corr-binding-then-used-benign.log', [ev(0, 'bob', 'list', 'pods', 'payments'), binding(60, 'dev-jane', 'bob', 'bob-reads'),
                                            ev(60 + 7200, 'bob', 'list', 'secrets', 'payments'),
                                            binding(100, 'dev-jane', 'carol', 'carol-reads'), ev(200, 'carol', 'list', 'secrets', 'payments', code=403)])
# 6 exec into pods of many namespaces
write('corr-exec-many-namespaces.log', [ev(120 * i, 'mallory', 'create', 'pods', NS[i], 'web-0', sub='exec') for i in range(3)])
write('corr-exec-many-namespaces-benign.log', [ev(120 * i, 'dev-jane', 'create', 'pods', NS[i % 2], 'web-0', sub='exec') for i in range(4)]
      + [ev(3600 * i, 'dev-tom', 'create', 'pods', NS[i], 'web-0', sub='exec') for i in range(3)])
