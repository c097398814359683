package dev.berth.runtime.seccomp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.berth.runtime.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

/** runtime-spec's linux.seccomp read from config.json, and the words of its errors. */
class SeccompParseTest {
    static Seccomp parse(String json) throws Exception {
        return Seccomp.fromOci(Json.parseObject(json));
    }

    static String error(String json) {
        return assertThrows(SeccompException.class, () -> parse(json)).getMessage();
    }

    static String withCall(String call) {
        return "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
            + call + "]}";
    }

    @Test
    void aFullObject() throws Exception {
        Seccomp s = parse("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
            + "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X32\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],"
            + "\"listenerPath\":\"\",\"somethingNew\":{\"a\":1},\"syscalls\":["
            + "{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
            + "{\"names\":[\"clone\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":22,\"args\":["
            + "{\"index\":0,\"value\":18446744073709551615,\"valueTwo\":9223372036854775808,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]}");
        assertEquals(SeccompAction.ERRNO, s.defaultAction());
        assertEquals(38, s.defaultErrnoRet());
        assertEquals(0x00050026, s.defaultRet());
        assertEquals(List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X32"), s.architectures());
        assertEquals(Seccomp.FLAG_LOG, s.flags());
        assertEquals(2, s.syscalls().size());
        Seccomp.Rule clone = s.syscalls().get(1);
        assertEquals(0x00050016, clone.ret());
        assertEquals(new Seccomp.Arg(0, -1L, Long.MIN_VALUE, SeccompOp.MASKED_EQ), clone.args().get(0));
        assertEquals(SeccompAction.EPERM, s.syscalls().get(0).errnoRet());
        assertEquals(s, Seccomp.fromOci(Json.parseObject(Json.compact(s.toOci()))), "config.json round trip");
    }

    @Test
    void unknownAction() {
        assertEquals("seccomp: unknown action \"SCMP_ACT_FOO\" in syscalls[1]: use one of SCMP_ACT_KILL, "
            + "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, "
            + "SCMP_ACT_ALLOW, SCMP_ACT_LOG", error(withCall("{\"names\":[\"write\"],\"action\":\"SCMP_ACT_FOO\"}")));
        assertEquals("seccomp: unknown action \"ALLOW\" in defaultAction: use one of SCMP_ACT_KILL, "
            + "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, "
            + "SCMP_ACT_ALLOW, SCMP_ACT_LOG", error("{\"defaultAction\":\"ALLOW\"}"));
        assertEquals("seccomp: syscalls[1].action must be a string: use one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
            + "SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG",
            error(withCall("{\"names\":[\"write\"]}")));
    }

    @Test
    void notifyIsNotSupportedYet() {
        assertEquals("seccomp notify (listenerPath) is not supported yet: remove listenerPath and the "
            + "SCMP_ACT_NOTIFY rules", error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent.sock\"}"));
        assertEquals("seccomp: SCMP_ACT_NOTIFY in syscalls[1] is not supported yet, since berth has no seccomp "
            + "notify listener: use SCMP_ACT_ERRNO or SCMP_ACT_TRACE",
            error(withCall("{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_NOTIFY\"}")));
        assertEquals("seccomp: SCMP_ACT_NOTIFY in defaultAction is not supported yet, since berth has no seccomp "
            + "notify listener: use SCMP_ACT_ERRNO or SCMP_ACT_TRACE", error("{\"defaultAction\":\"SCMP_ACT_NOTIFY\"}"));
    }

    @Test
    void errnoRetOnlyWhereAnErrnoGoes() {
        assertEquals("seccomp: syscalls[1].errnoRet needs SCMP_ACT_ERRNO or SCMP_ACT_TRACE in syscalls[1].action, not "
            + "SCMP_ACT_ALLOW: remove errnoRet or change the action",
            error(withCall("{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1}")));
        assertEquals("seccomp: defaultErrnoRet needs SCMP_ACT_ERRNO or SCMP_ACT_TRACE in defaultAction, not "
            + "SCMP_ACT_KILL_PROCESS: remove defaultErrnoRet or change the action",
            error("{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"defaultErrnoRet\":1}"));
        assertEquals("seccomp: syscalls[1].errnoRet is 65536, more than the filter's 16 bits of data: use an errno "
            + "from 0 to 4095", error(withCall("{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":65536}")));
        assertEquals("seccomp: syscalls[1].errnoRet must be an integer from 0 to 18446744073709551615, not -1",
            error(withCall("{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":-1}")));
    }

    @Test
    void badArguments() {
        String call = "{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[";
        assertEquals("seccomp: syscalls[1].args[0].index must be an integer from 0 to 5 (syscalls have six arguments)",
            error(withCall(call + "{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}")));
        assertEquals("seccomp: syscalls[1].args[1].index must be an integer from 0 to 5 (syscalls have six arguments)",
            error(withCall(call + "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},{\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}")));
        assertEquals("seccomp: unknown operator \"SCMP_CMP_MASKED\" in syscalls[1].args[0]: use one of SCMP_CMP_NE, "
            + "SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ",
            error(withCall(call + "{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_MASKED\"}]}")));
        assertEquals("seccomp: syscalls[1].args[0].value must be an integer from 0 to 18446744073709551615, not "
            + "18446744073709551616",
            error(withCall(call + "{\"index\":0,\"value\":18446744073709551616,\"op\":\"SCMP_CMP_EQ\"}]}")));
        assertEquals("seccomp: syscalls[1].args[0].value must be an integer from 0 to 18446744073709551615, not \"1\"",
            error(withCall(call + "{\"index\":0,\"value\":\"1\",\"op\":\"SCMP_CMP_EQ\"}]}")));
        assertEquals("seccomp: syscalls[1].args[0].valueTwo must be an integer from 0 to 18446744073709551615, not 1.5",
            error(withCall(call + "{\"index\":0,\"value\":1,\"valueTwo\":1.5,\"op\":\"SCMP_CMP_EQ\"}]}")));
        assertEquals("seccomp: syscalls[1].args[0].value is missing: give the number to compare with",
            error(withCall(call + "{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}")));
        assertEquals("seccomp: syscalls[1].args must be an array of objects",
            error(withCall("{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":{}}")));
    }

    @Test
    void badNamesArchitecturesAndFlags() {
        assertEquals("seccomp: syscalls[1].names is empty: list at least one syscall name",
            error(withCall("{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}")));
        assertEquals("seccomp: syscalls[1].names is empty: list at least one syscall name",
            error(withCall("{\"action\":\"SCMP_ACT_ALLOW\"}")));
        assertEquals("seccomp: syscalls[1].names must be an array of strings",
            error(withCall("{\"names\":[\"read\",2],\"action\":\"SCMP_ACT_ALLOW\"}")));
        assertEquals("seccomp: unknown architecture \"SCMP_ARCH_AMD64\" in architectures: use runtime-spec's names, "
            + "such as SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 or SCMP_ARCH_AARCH64",
            error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_AMD64\"]}"));
        assertEquals("seccomp: unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\" in flags: use SECCOMP_FILTER_FLAG_TSYNC, "
            + "SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
            error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}"));
        assertEquals("seccomp: defaultAction is missing: set it to one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, "
            + "SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG "
            + "(docker's profile uses SCMP_ACT_ERRNO)", error("{\"syscalls\":[]}"));
        assertEquals("seccomp: syscalls[0] must be an object", error("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[1]}"));
    }

    @Test
    void foreignArchitecturesAreAcceptedAndIgnored() throws Exception {
        Seccomp s = parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_S390X\",\"SCMP_ARCH_PPC64LE\"]}");
        assertEquals(2, s.architectures().size());
        SeccompVm vm = new SeccompVm(SeccompCompiler.compile(s, SeccompArch.X86_64));
        assertEquals(SeccompVm.ALLOW, vm.run(SeccompVm.AUDIT_X86_64, 0));
    }

    @Test
    void armHasNoTableYet() {
        assertThrows(SeccompException.class, () -> SeccompCompiler.compile(
            parse("{\"defaultAction\":\"SCMP_ACT_ALLOW\"}"), SeccompArch.ARM));
    }
}
