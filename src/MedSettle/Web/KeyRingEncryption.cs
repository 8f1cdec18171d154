using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using MedSettle.Privacy;

namespace MedSettle.Web;

/// <summary>
/// Seals each key of the sign-in key ring (its <c>masterKey</c>) with the platform key, the <see cref="SecretBox"/>
/// that seals hospitals' secrets (<c>MEDSETTLE_KEY</c>, or its key file), before the ring is written to the database:
/// whoever reads <c>data_protection_keys</c>, or a backup of it, without that key cannot forge a cookie.
/// </summary>
public sealed class SecretBoxXmlEncryptor(SecretBox box) : IXmlEncryptor
{
    internal const string Purpose = "medsettle data-protection key", Element = "sealedByMedSettleKey", KeyIdAttribute = "keyId";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(new XElement(Element, new XAttribute(KeyIdAttribute, box.KeyId), box.Seal(plaintextElement.ToString(SaveOptions.DisableFormatting), Purpose)),
            typeof(SecretBoxXmlDecryptor));
}

/// <summary>Opens what <see cref="SecretBoxXmlEncryptor"/> sealed, with any key of the configured platform key list (made by data protection through its activator).</summary>
public sealed class SecretBoxXmlDecryptor : IXmlDecryptor
{
    private readonly SecretBox _box;

    public SecretBoxXmlDecryptor() : this(services: null) { }

    public SecretBoxXmlDecryptor(IServiceProvider? services) => _box = services?.GetService<SecretBox>() ?? SecretBox.Default;

    public XElement Decrypt(XElement encryptedElement)
    {
        var keyId = (string?)encryptedElement.Attribute(SecretBoxXmlEncryptor.KeyIdAttribute) ?? "";
        var opened = _box.Open(encryptedElement.Value, keyId, SecretBoxXmlEncryptor.Purpose)
                     ?? throw new CryptographicException(
                         $"A sign-in key in data_protection_keys is sealed with platform key {keyId}, which this server does not hold ({SecretBox.KeyVariable}): "
                         + "give every server the same key list.");
        return XElement.Parse(opened);
    }
}
