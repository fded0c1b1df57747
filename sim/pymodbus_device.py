#!/usr/bin/env python3
"""A Modbus TCP device served by Debian's pymodbus, a peer we did not write, for the tests of
the polling engine (io/modbus). It holds the registers given as JSON, addressed as on the wire
(register 0 is the first):

  pymodbus_device.py --port 5020 --map '{"unit": 3, "holding": {"0": 17254}, "coils": {"3": 1}}'

Tables: holding, input, coils, discrete (256 of each). Requests for another unit id are not
answered. Runs until killed."""
import argparse
import json
import logging

from pymodbus.datastore import (ModbusSequentialDataBlock, ModbusServerContext,
                                ModbusSlaveContext)
from pymodbus.server import StartTcpServer


def block(values, size=256):
    data = [0] * size
    for address, value in values.items():
        data[int(address)] = int(value)
    return ModbusSequentialDataBlock(0, data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--map", required=True, help="the registers, as JSON")
    args = parser.parse_args()
    spec = json.loads(args.map)
    # pymodbus logs every closed connection as an error.
    logging.basicConfig(level=logging.CRITICAL)
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    # zero_mode: address 0 on the wire is index 0 (pymodbus otherwise adds one).
    device = ModbusSlaveContext(di=block(spec.get("discrete", {})),
                                co=block(spec.get("coils", {})),
                                hr=block(spec.get("holding", {})),
                                ir=block(spec.get("input", {})), zero_mode=True)
    context = ModbusServerContext(slaves={int(spec.get("unit", 1)): device}, single=False)
    StartTcpServer(context=context, address=("127.0.0.1", args.port))


if __name__ == "__main__":
    main()
