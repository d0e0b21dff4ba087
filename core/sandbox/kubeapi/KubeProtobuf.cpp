#include "core/sandbox/kubeapi/KubeProtobuf.h"

#include <cstdint>
#include <functional>

namespace leakdesk::sandbox {

namespace {

// A protobuf wire-format reader over a byte range. Only the wire types Kubernetes messages use:
// varint (0), 64-bit (1), length-delimited (2) and 32-bit (5).
class WireReader {
public:
    explicit WireReader(std::string_view bytes)
        : m_bytes(bytes)
    {
    }

    bool atEnd() const { return m_pos >= m_bytes.size(); }

    // Reads the next field. For wire type 2 `payload` is the bytes; other types are skipped.
    Result<bool> next(std::uint32_t& field, int& wireType, std::string_view& payload)
    {
        std::uint64_t key = 0;
        if (!varint(key))
            return makeError(ErrorCode::Parse, "truncated protobuf field key");
        field = static_cast<std::uint32_t>(key >> 3);
        wireType = static_cast<int>(key & 7);
        if (field == 0)
            return makeError(ErrorCode::Parse, "protobuf field number 0");
        payload = {};
        switch (wireType) {
        case 0: {
            std::uint64_t ignored = 0;
            if (!varint(ignored))
                return makeError(ErrorCode::Parse, "truncated protobuf varint");
            return true;
        }
        case 1:
            return skip(8);
        case 5:
            return skip(4);
        case 2: {
            std::uint64_t len = 0;
            if (!varint(len))
                return makeError(ErrorCode::Parse, "truncated protobuf length");
            if (len > m_bytes.size() - m_pos)
                return makeError(ErrorCode::Parse, "protobuf length runs past the end of the body");
            payload = m_bytes.substr(m_pos, static_cast<std::size_t>(len));
            m_pos += static_cast<std::size_t>(len);
            return true;
        }
        default:
            return makeError(ErrorCode::Parse, "unsupported protobuf wire type " + std::to_string(wireType));
        }
    }

private:
    bool varint(std::uint64_t& out)
    {
        out = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (m_pos >= m_bytes.size())
                return false;
            const auto b = static_cast<std::uint8_t>(m_bytes[m_pos++]);
            out |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
                return true;
        }
        return false;
    }

    Result<bool> skip(std::size_t n)
    {
        if (n > m_bytes.size() - m_pos)
            return makeError(ErrorCode::Parse, "truncated protobuf fixed-width field");
        m_pos += n;
        return true;
    }

    std::string_view m_bytes;
    std::size_t m_pos = 0;
};

// Calls `onBytes(field, payload)` for every length-delimited field of a message.
Status forEachBytesField(std::string_view message, const std::function<Status(std::uint32_t, std::string_view)>& onBytes)
{
    WireReader reader(message);
    while (!reader.atEnd()) {
        std::uint32_t field = 0;
        int wireType = 0;
        std::string_view payload;
        auto r = reader.next(field, wireType, payload);
        if (!r)
            return r.error();
        if (wireType == 2)
            if (auto s = onBytes(field, payload); !s)
                return s;
    }
    return Ok {};
}

// A message whose fields are all strings, mapped by field number to JSON keys.
Result<nlohmann::json> stringFields(std::string_view message, std::initializer_list<std::pair<std::uint32_t, const char*>> names)
{
    nlohmann::json out = nlohmann::json::object();
    auto s = forEachBytesField(message, [&](std::uint32_t field, std::string_view payload) -> Status {
        for (const auto& [number, name] : names)
            if (number == field)
                out[name] = std::string(payload);
        return Ok {};
    });
    if (!s)
        return s.error();
    return out;
}

} // namespace

Result<KubeProtobufObject> decodeKubeProtobufEnvelope(std::string_view body)
{
    static constexpr std::string_view kMagic("k8s\0", 4);
    if (body.substr(0, kMagic.size()) != kMagic)
        return makeError(ErrorCode::Parse, "not a Kubernetes protobuf body (the \"k8s\\0\" prefix is missing)");
    KubeProtobufObject out;
    bool sawRaw = false;
    std::string encoding;
    auto s = forEachBytesField(body.substr(kMagic.size()), [&](std::uint32_t field, std::string_view payload) -> Status {
        if (field == 1) {
            auto meta = stringFields(payload, { { 1, "apiVersion" }, { 2, "kind" } });
            if (!meta)
                return meta.error();
            out.apiVersion = meta->value("apiVersion", "");
            out.kind = meta->value("kind", "");
        } else if (field == 2) {
            out.raw = std::string(payload);
            sawRaw = true;
        } else if (field == 3) {
            encoding = std::string(payload);
        }
        return Ok {};
    });
    if (!s)
        return s.error();
    if (!sawRaw)
        return makeError(ErrorCode::Parse, "the protobuf envelope carries no object");
    if (!encoding.empty())
        return makeError(ErrorCode::Unsupported, "protobuf content encoding \"" + encoding + "\" is not supported");
    return out;
}

Result<nlohmann::json> decodeSelfSubjectAccessReview(std::string_view body)
{
    auto envelope = decodeKubeProtobufEnvelope(body);
    if (!envelope)
        return envelope.error();
    if (envelope->kind != "SelfSubjectAccessReview")
        return makeError(ErrorCode::Parse, "expected a SelfSubjectAccessReview, got \"" + envelope->kind + "\"");
    nlohmann::json review = { { "apiVersion", envelope->apiVersion }, { "kind", envelope->kind } };
    // SelfSubjectAccessReview: 1 metadata, 2 spec, 3 status.
    // SelfSubjectAccessReviewSpec: 1 resourceAttributes, 2 nonResourceAttributes.
    // ResourceAttributes: 1 namespace, 2 verb, 3 group, 4 version, 5 resource, 6 subresource, 7 name.
    // NonResourceAttributes: 1 path, 2 verb.
    auto s = forEachBytesField(envelope->raw, [&](std::uint32_t field, std::string_view payload) -> Status {
        if (field != 2)
            return Ok {};
        nlohmann::json spec = nlohmann::json::object();
        auto inner = forEachBytesField(payload, [&](std::uint32_t f, std::string_view attrs) -> Status {
            if (f == 1) {
                auto a = stringFields(attrs,
                    { { 1, "namespace" }, { 2, "verb" }, { 3, "group" }, { 4, "version" }, { 5, "resource" },
                        { 6, "subresource" }, { 7, "name" } });
                if (!a)
                    return a.error();
                spec["resourceAttributes"] = *a;
            } else if (f == 2) {
                auto a = stringFields(attrs, { { 1, "path" }, { 2, "verb" } });
                if (!a)
                    return a.error();
                spec["nonResourceAttributes"] = *a;
            }
            return Ok {};
        });
        if (!inner)
            return inner;
        review["spec"] = spec;
        return Ok {};
    });
    if (!s)
        return s.error();
    if (!review.contains("spec"))
        return makeError(ErrorCode::Parse, "the SelfSubjectAccessReview has no spec");
    return review;
}

} // namespace leakdesk::sandbox
