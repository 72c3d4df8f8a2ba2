/*
 * mnist_conf.c - the tutorial configs' schemas and their registration.
 */
#include "mnist_conf.h"
#include "cydra/store.h"

CY_SCHEMA(AdadeltaConf, ADADELTA_CONF, "torch.optim.Adadelta's arguments (hydra-torch)")
CY_SCHEMA(StepLRConf, STEPLR_CONF, "torch.optim.lr_scheduler.StepLR's arguments (hydra-torch)")
CY_SCHEMA(MNISTConf, MNIST_CONF, "the MNIST example's settings")

int mnist_conf_register(void) {
    return cy_store_schema(cy_store_instance(), NULL, "mnistconf", &MNISTConf_schema);
}
