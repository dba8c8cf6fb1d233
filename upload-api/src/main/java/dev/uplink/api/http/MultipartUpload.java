package dev.uplink.api.http;

import dev.uplink.api.EmptyUploadException;
import dev.uplink.api.UnreadableBodyException;
import dev.uplink.api.UploadService;
import dev.uplink.core.domain.Caller;
import dev.uplink.core.domain.InvalidDestinationException;
import dev.uplink.core.domain.UploadTask;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.fileupload2.core.AbstractFileUpload;
import org.apache.commons.fileupload2.core.DiskFileItem;
import org.apache.commons.fileupload2.core.DiskFileItemFactory;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.core.RequestContext;

/**
 * A {@code multipart/form-data} upload read as a stream with commons-fileupload's item iterator:
 * destination form fields are collected until the {@code file} part, which goes straight from the
 * socket into the upload service. Nothing is buffered beyond one field value and nothing is written
 * to disk; Jetty's own multipart support is never touched.
 */
final class MultipartUpload {

  static final String FILE_PART = "file";

  /** Destination form fields are short; a longer one is rejected rather than buffered. */
  private static final int MAX_FIELD_BYTES = 16 * 1024;

  /** Parts allowed before the file part, so a client cannot keep us parsing forever. */
  private static final int MAX_PARTS_BEFORE_FILE = 64;

  private final UploadService service;

  MultipartUpload(UploadService service) {
    this.service = service;
  }

  static boolean isMultipart(String contentType) {
    return contentType != null && contentType.regionMatches(true, 0, "multipart/", 0, 10);
  }

  static boolean isFormData(String contentType) {
    return contentType != null && contentType.regionMatches(true, 0, "multipart/form-data", 0, 19);
  }

  /**
   * Reads parts until the file part and uploads it.
   *
   * @param request the request, for its content type, encoding and length
   * @param body the request's body as admitted (see {@link UploadAdmission})
   * @param fields the destination fields the query and headers already carry; form fields are added
   */
  UploadTask accept(
      HttpServletRequest request,
      InputStream body,
      Caller caller,
      DestinationFields fields,
      Optional<String> idempotencyKey) {
    int partsBeforeFile = 0;
    try {
      FileItemInputIterator parts =
          new StreamingParser().getItemIterator(new ServletRequestContext(request, body));
      while (parts.hasNext()) {
        FileItemInput part = parts.next();
        String name = part.getFieldName();
        if (FILE_PART.equals(name)) {
          // Validated before a byte of the file is consumed.
          var destination = fields.toDestination();
          // Not closed on purpose: closing a part stream drains the rest of the part.
          InputStream content = part.getInputStream();
          try {
            return service.accept(caller, destination, content, idempotencyKey);
          } catch (EmptyUploadException e) {
            throw ProblemException.emptyBody(FILE_PART);
          } catch (UnreadableBodyException e) {
            throw ProblemException.malformedMultipart(
                "The 'file' part ended before its closing boundary; nothing was stored");
          }
        }
        if (++partsBeforeFile > MAX_PARTS_BEFORE_FILE) {
          throw ProblemException.malformedMultipart(
              "More than " + MAX_PARTS_BEFORE_FILE + " parts before the 'file' part");
        }
        if (name != null && DestinationFields.isField(name)) {
          fields.add(name, readField(name, part), "form field '" + name + "'");
        }
      }
    } catch (FileUploadException e) {
      throw ProblemException.malformedMultipart(
          "The multipart body could not be parsed: " + e.getMessage());
    } catch (IOException e) {
      throw ProblemException.malformedMultipart("The multipart body could not be read to its end");
    }
    throw ProblemException.missingFile(partsBeforeFile);
  }

  private static String readField(String name, FileItemInput part) throws IOException {
    byte[] value = part.getInputStream().readNBytes(MAX_FIELD_BYTES + 1);
    if (value.length > MAX_FIELD_BYTES) {
      throw new InvalidDestinationException(name, "is longer than " + MAX_FIELD_BYTES + " bytes");
    }
    return new String(value, StandardCharsets.UTF_8);
  }

  /** The request as commons-fileupload sees it, its body read from {@code body}. */
  private record ServletRequestContext(HttpServletRequest request, InputStream body)
      implements RequestContext {

    @Override
    public String getCharacterEncoding() {
      return request.getCharacterEncoding();
    }

    @Override
    public long getContentLength() {
      return request.getContentLengthLong();
    }

    @Override
    public String getContentType() {
      return request.getContentType();
    }

    @Override
    public InputStream getInputStream() {
      return body;
    }

    @Override
    public boolean isMultipartRelated() {
      return false;
    }
  }

  /**
   * commons-fileupload's parser limited to its streaming API. The item-building methods would
   * buffer parts in memory or temp files, so they refuse.
   */
  private static final class StreamingParser
      extends AbstractFileUpload<HttpServletRequest, DiskFileItem, DiskFileItemFactory> {

    StreamingParser() {
      setHeaderCharset(StandardCharsets.UTF_8);
      setSizeMax(-1);
      setFileSizeMax(-1);
    }

    @Override
    public FileItemInputIterator getItemIterator(HttpServletRequest request) {
      throw new UnsupportedOperationException("reads the servlet stream; pass the admitted body");
    }

    @Override
    public Map<String, List<DiskFileItem>> parseParameterMap(HttpServletRequest request) {
      throw new UnsupportedOperationException("buffers parts; use getItemIterator");
    }

    @Override
    public List<DiskFileItem> parseRequest(HttpServletRequest request) {
      throw new UnsupportedOperationException("buffers parts; use getItemIterator");
    }
  }
}
