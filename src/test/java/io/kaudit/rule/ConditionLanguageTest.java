package io.kaudit.rule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kaudit.decode.EnvelopeDecoder;
import io.kaudit.event.AuditEvent;
import io.kaudit.event.Projection;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Falco's condition language: grammar, precedence, quoting, operators and absent-value semantics. */
class ConditionLanguageTest {
    static final String POD = "{\"kind\":\"Event\",\"auditID\":\"id-1\",\"stage\":\"ResponseComplete\","
            + "\"requestURI\":\"/api/v1/namespaces/ns1/pods/p/exec?command=sh&command=-c&tty=true&x=a%20b\","
            + "\"verb\":\"create\",\"user\":{\"username\":\"Alice\",\"groups\":[\"devs\",\"system:authenticated\"]},"
            + "\"objectRef\":{\"resource\":\"pods\",\"namespace\":\"ns1\",\"name\":\"p\"},"
            + "\"responseStatus\":{\"code\":201},"
            + "\"requestObject\":{\"spec\":{\"hostNetwork\":true,\"containers\":["
            + "{\"name\":\"a\",\"image\":\"registry:5000/team/app:1.2@sha256:abc\",\"securityContext\":{\"privileged\":true,"
            + "\"capabilities\":{\"add\":[\"NET_ADMIN\",\"SYS_TIME\"]}},\"command\":[\"sleep\",\"1\"]},"
            + "{\"name\":\"b\",\"image\":\"nginx\",\"ports\":[{\"containerPort\":80},{\"containerPort\":443,\"hostPort\":8443}]}],"
            + "\"volumes\":[{\"name\":\"v\",\"hostPath\":{\"path\":\"/var/run/docker.sock\"}},{\"name\":\"c\",\"configMap\":{}}]}},"
            + "\"annotations\":{\"authorization.k8s.io/decision\":\"allow\"},"
            + "\"stageTimestamp\":\"2026-03-14T09:00:01.123456Z\"}";

    static AuditEvent event(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return new EnvelopeDecoder(Projection.ALL).decode(b, 0, b.length, "t", 1).events().get(0);
    }

    static boolean eval(String condition) throws Exception {
        return eval(condition, POD);
    }

    static boolean eval(String condition, String json) throws Exception {
        Condition c = new ConditionCompiler(new Projection()).compile(ConditionParser.parse(condition));
        return c.test(event(json));
    }

    /** Falco's always/never toggles test jevt.rawtime; compared as a number, they must agree with its text. */
    @Test
    void rawTimeToggles() throws Exception {
        String ns = Long.toString(event(POD).timeNanos());
        assertEquals("1773478801123456000", ns);
        assertTrue(eval("jevt.rawtime exists"), "k8s_audit_always_true");
        assertFalse(eval("jevt.rawtime=0"), "k8s_audit_never_true");
        assertTrue(eval("jevt.rawtime!=0"));
        assertTrue(eval("jevt.rawtime=" + ns) && eval("evt.rawtime=" + ns) && eval("json.rawtime=" + ns), "the exact time");
        assertFalse(eval("jevt.rawtime=00"), "text, not number: '00' is not the time's text");
        assertTrue(eval("jevt.rawtime startswith 1773"), "other operators still see the text");
        String epoch = POD.replace("2026-03-14T09:00:01.123456Z", "1970-01-01T00:00:00Z");
        assertTrue(eval("jevt.rawtime=0", epoch), "an event at the epoch is the one time never_true holds");
    }

    @Test
    void comparisonsAndStringOperators() throws Exception {
        assertTrue(eval("ka.verb=create"));
        assertTrue(eval("ka.verb == create"));
        assertTrue(eval("ka.verb != delete"));
        assertTrue(eval("ka.user.name icontains ALI"));
        assertFalse(eval("ka.user.name contains ALI"));
        assertTrue(eval("ka.uri startswith /api/ and ka.uri endswith \"a%20b\""));
        assertTrue(eval("ka.response.code startswith 2"), "non-string JSON compares as its text");
        assertTrue(eval("ka.response.code = 201"));
        assertTrue(eval("ka.response.code > 1000"), "string fields compare like strcmp: \"201\" > \"1000\"");
        assertTrue(eval("ka.target.name glob \"[p-q]\""));
        assertTrue(eval("ka.uri glob /api/*/exec*"), "* crosses '/'");
        assertTrue(eval("ka.user.name regex \"A.i.e\""));
        assertFalse(eval("ka.user.name regex \"li\""), "regex is a full match");
        assertTrue(eval("ka.user.name bcontains 6c6963"));
        assertTrue(eval("ka.user.name bstartswith 416c"));
        assertTrue(eval("ka.uri pmatch (/api/v1/namespaces)"));
        assertTrue(eval("tolower(ka.user.name) = alice"));
        assertTrue(eval("len(ka.user.name) = 5"));
        assertTrue(eval("len(ka.user.groups) > 1"));
        assertTrue(eval("ka.target.name = val(ka.target.name)"));
        assertTrue(eval("ka.uri.param[x] = \"a b\""));
    }

    @Test
    void listFieldsTakeOnlyInIntersectsExists() throws Exception {
        assertTrue(eval("ka.user.groups intersects (devs, ops)"));
        assertFalse(eval("ka.user.groups in (devs, ops)"), "in: every element in the set");
        assertTrue(eval("ka.user.groups in (devs, system:authenticated, ops)"));
        assertTrue(eval("ka.req.pod.containers.privileged intersects (true)"));
        assertTrue(eval("ka.req.pod.host_network intersects (true)"), "scalar in/intersects: membership");
        assertTrue(eval("ka.req.pod.containers.host_port in (80, 8443)"));
        assertTrue(eval("ka.req.pod.containers.add_capabilities intersects (SYS_TIME)"));
        assertTrue(eval("ka.req.pod.containers.image.repository intersects (registry:5000/team/app)"));
        assertTrue(eval("ka.req.pod.volumes.volume_type in (hostPath, configMap)"));
        assertTrue(eval("ka.req.volume.hostpath[/var/run/*] = true"));
        CompileException e = assertThrows(CompileException.class, () -> new ConditionCompiler(new Projection())
                .compile(ConditionParser.parse("ka.user.groups contains devs")));
        assertTrue(e.getMessage().contains("not supported on list field 'ka.user.groups'"), e.getMessage());
    }

    @Test
    void absentValuesMakeEveryCheckFalse() throws Exception {
        assertFalse(eval("ka.impuser.name != bob"));
        assertFalse(eval("ka.impuser.name exists"));
        assertTrue(eval("not ka.impuser.name = bob"));
        assertFalse(eval("ka.target.subresource in (exec)"));
        assertFalse(eval("ka.req.pod.initContainers.image intersects (nginx)"));
        assertFalse(eval("ka.user.name = x", "{\"kind\":\"Event\",\"user\":{\"username\":\"x\"},"
                + "\"stageTimestamp\":\"2026-01-01T00:00:00Z\"}"), "no auditID: every ka.* field is absent");
        assertTrue(eval("jevt.value[/user/username] = x", "{\"kind\":\"Event\",\"user\":{\"username\":\"x\"},"
                + "\"stageTimestamp\":\"2026-01-01T00:00:00Z\"}"), "jevt.* still works");
    }

    @Test
    void precedenceIsNotAndOr() throws Exception {
        assertTrue(eval("ka.verb=delete and ka.verb=get or ka.verb=create"));
        assertFalse(eval("ka.verb=delete and (ka.verb=get or ka.verb=create)"));
        assertTrue(eval("not ka.verb=delete and ka.verb=create"));
        assertTrue(eval("not not ka.verb=create"));
        assertTrue(eval("not(ka.verb=delete)"));
        assertTrue(eval("(ka.verb in(create))"));
    }

    @Test
    void quotingAndEscapes() throws Exception {
        assertTrue(eval("ka.auth.decision=\"allow\""));
        assertTrue(eval("ka.auth.decision='allow'"));
        assertTrue(eval("jevt.value[\"/annotations/authorization.k8s.io~1decision\"] = allow"));
        Ast.Check c = (Ast.Check) ConditionParser.parse("ka.verb = \"a\\tb\\x41\\\"\"");
        assertEquals("a\tbA\"", ((Ast.ValueOperand) c.right()).value());
    }

    @Test
    void syntaxErrorsCarryTheirPosition() {
        ConditionSyntaxException e = assertThrows(ConditionSyntaxException.class,
                () -> ConditionParser.parse("ka.verb = = create"));
        assertEquals(11, e.column());
        e = assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse("ka.verb=create and"));
        assertTrue(e.getMessage().contains("at the end of condition needs an expression"), e.getMessage());
        e = assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse("(ka.verb=create"));
        assertTrue(e.getMessage().contains("expected ')'"));
        e = assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse("ka.verb=a b"));
        assertTrue(e.getMessage().contains("unexpected token"));
        e = assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parse("ka.verb = \"bad\\q\""));
        assertTrue(e.getMessage().contains("invalid escape"));
    }

    @Test
    void regexRunsInLinearTime() throws Exception {
        String hostile = "{\"kind\":\"Event\",\"auditID\":\"a\",\"user\":{\"username\":\"" + "a".repeat(50_000)
                + "!\"},\"stageTimestamp\":\"2026-01-01T00:00:00Z\"}";
        long t = System.nanoTime();
        assertFalse(eval("ka.user.name regex \"(a+)+$\"", hostile));
        assertTrue(System.nanoTime() - t < 5_000_000_000L, "no catastrophic backtracking");
    }

    @Test
    void correctedPluginFields() {
        assertEquals("registry:5000/team/app", Images.repository("registry:5000/team/app:1.2@sha256:abc"));
        assertEquals("nginx", Images.repository("nginx"));
        assertEquals("docker.io/library/nginx", Images.repository("docker.io/library/nginx:1.27"));
        assertEquals("sh", Fields.queryParam("/x?command=sh&command=-c", "command"));
        assertEquals(null, Fields.queryParam("/x?a=%zz", "a"), "invalid escapes make the value absent");
    }

    @Test
    void globMatchesLikeFnmatch() {
        assertTrue(Glob.matches("*.sock", "/var/run/docker.sock"));
        assertTrue(Glob.matches("a?c", "abc"));
        assertTrue(Glob.matches("[!x]bc", "abc"));
        assertFalse(Glob.matches("[a-c]", "d"));
        assertTrue(Glob.matches("a\\*", "a*"));
        assertFalse(Glob.matches("a\\*", "ab"));
    }
}
