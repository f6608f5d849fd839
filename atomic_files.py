"""Writing files so that a failure (a full disk, an I/O error, a kill) never leaves a partial or
damaged file: a whole file is written to a temporary file beside it, flushed to disk and renamed
into place; an append that fails is rolled back. Failures raise WriteError, naming the file.

HDF5 files (models, checkpoints) are built in memory and written as bytes: the HDF5 library
itself, when the disk fills under it, can crash the process instead of raising an error.
"""
import io
import os

from errors import WriteError


def write_bytes(path, data, overwrite=True):
    """Write data as the file path, whole or not at all. overwrite=False: FileExistsError if path
    exists by the time the file is complete (nothing is replaced)."""
    temporary = f'{path}.{os.getpid()}.tmp'
    try:
        with open(temporary, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
            os.remove(temporary)
        _fsync_directory(os.path.dirname(os.path.abspath(path)))
    except OSError as error:
        _remove_quietly(temporary)
        if isinstance(error, FileExistsError) and not overwrite:
            raise
        raise WriteError.from_os_error(path, error) from None
    except BaseException:
        _remove_quietly(temporary)
        raise


def write_text(path, text, overwrite=True):
    write_bytes(path, text.encode(), overwrite)


def hdf5_bytes(write):
    """The bytes of an HDF5 file that write(h5py_file_or_buffer) builds in memory."""
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


def append_text(path, text):
    """Append text to path (created if missing); on failure the file is as it was before."""
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        size = None
    except OSError as error:
        raise WriteError.from_os_error(path, error) from None
    try:
        with open(path, 'a') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
    except OSError as error:
        try:
            if size is None:
                os.remove(path)
            else:
                os.truncate(path, size)
        except OSError:
            pass
        raise WriteError.from_os_error(path, error) from None


def _fsync_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass
